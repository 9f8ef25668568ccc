import { NotFoundMessage } from "@/components/not-found-message";
import { pageMetadata } from "@/lib/i18n/page-title";

export const generateMetadata = () => pageMetadata("common.notFoundTitle");

/** An address no route answers: still one <main> for the skip link, and a title of its own. */
export default function NotFound() {
  return (
    <main id="main" tabIndex={-1} className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12 focus:outline-none">
      <NotFoundMessage />
    </main>
  );
}
