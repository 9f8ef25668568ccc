import { NotYetPage } from "@/components/not-yet-page";

export default function Page() {
  return <NotYetPage section="messages" />;
}
