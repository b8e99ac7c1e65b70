// What a frontend writes against the client generated from edge-api's OpenAPI document
// (openapi-typescript types + openapi-fetch). scripts/check_openapi.sh compiles it with tsc
// --strict beside a freshly generated `schema.d.ts`, so a document whose generated client a
// frontend cannot use fails CI instead of the frontend's build. Never run, only compiled.
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema";

type ErrorBody = components["schemas"]["ErrorBody"];
type ErrorCode = ErrorBody["error"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:5555" });

// Operations are reachable by operationId too: renaming one breaks this file, as it would
// break a frontend.
type ImportRequest = NonNullable<
  operations["startImport"]["requestBody"]
>["content"]["application/json"];

export async function importMonth(company: string, year: number, month: number): Promise<string[]> {
  const body: ImportRequest = { company, year, month };
  const { data, error } = await api.POST("/api/sii/rcv/import", { body });
  if (error) throw new Error(describe(error));
  return data.jobs.map((job) => job.id);
}

export async function latestVersion(company: string, period: string): Promise<number | null> {
  const { data, error } = await api.GET("/api/f29/{company}/{period}", {
    params: { path: { company, period } },
  });
  if (error) {
    if (error.error === "declaration_not_found") return null;
    throw new Error(describe(error));
  }
  return data.version;
}

export async function backupRunning(): Promise<boolean> {
  const { data, error } = await api.GET("/api/backup/status");
  if (error) throw new Error(describe(error));
  return data.plans.some((plan) => plan.running);
}

function describe(error: ErrorBody): string {
  return `${error.error}: ${error.message}`;
}

// `error` is the closed list of codes, not any string: a frontend's typo does not compile.
export const known: ErrorCode = "declaration_not_found";
// @ts-expect-error -- not an error code
export const unknown: ErrorCode = "no_such_code";
