import { NotFoundMessage } from "@/components/not-found-message";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("common.notFoundTitle");

/** A record that does not exist (notFound() in a console page), inside the console's frame. */
export default function ConsoleNotFound() {
  return <NotFoundMessage />;
}
