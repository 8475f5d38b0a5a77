// Install check (issue 8 acceptance): a user's live component, render-tested in a fresh project
// that installed the packed tarball, with only react-submatview/testing, Testing Library and vitest.
import { cleanup, render, screen } from "@testing-library/react";
import { serviceHealthRequest, useMaterializedView } from "react-submatview";
import {
  createDatacenter,
  createScriptedServer,
  register,
  setStatus,
} from "react-submatview/testing";
import { afterEach, expect, test } from "vitest";

afterEach(cleanup);

function Instances({ service }: { service: string }) {
  const { data, isLoading, status } = useMaterializedView(serviceHealthRequest({ service }));
  if (isLoading) return <p>loading</p>;
  return (
    <ul aria-label={service} data-status={status}>
      {data?.nodes.map((n) => (
        <li key={`${n.Node?.Node}/${n.Service?.ID}`}>
          {n.Service?.ID}: {n.Checks[0]?.Status}
        </li>
      ))}
    </ul>
  );
}

const web1 = { node: "n1", service: "web", id: "web-1" };

test("SPEC T2: a scripted stream drives the component step by step", async () => {
  const server = createScriptedServer();
  render(<Instances service="web" />, { wrapper: server.wrapper });
  expect(screen.getByText("loading")).toBeTruthy();
  const stream = await server.next({ subject: "web" });
  await stream.snapshot(10, [register(web1)]);
  await screen.findByText("web-1: passing");
  await stream.push(11, setStatus(web1, "critical"));
  await screen.findByText("web-1: critical");
  await stream.drop();
  expect((await server.next()).index).toBe(11n); // resumes where it was (SPEC M6)
  server.dispose();
});

test("SPEC T2: a ready datacenter serves live data", async () => {
  const dc = createDatacenter({ services: 1, instancesPerService: 2, seed: 3 });
  render(<Instances service="service-00" />, { wrapper: dc.wrapper });
  expect((await screen.findAllByRole("listitem")).length).toBe(2);
  dc.dispose();
});
