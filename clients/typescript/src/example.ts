// A small program on the generated types: create a product through the gateway, read a problem answer,
// and build relay messages as a plugin would. `npm run check` compiles it with --strict; the
// `@ts-expect-error` lines fail the build if the types ever became too loose to catch those mistakes.
import type { components, operations } from "../generated/api.js";
import type { JobDeliver, JobResult, RelayMessage } from "../generated/relay.js";

type CreateProduct = operations["catalog_create_product"];
type ProductCreate = CreateProduct["requestBody"]["content"]["application/json"];
type ProductOut = CreateProduct["responses"][201]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];

export const draft: ProductCreate = {
  title: "Levi's 501 straight jeans",
  price: "35.00",
  stock_quantity: 1,
  colours: ["blue"],
  materials: [{ material: "cotton", percent: 100 }],
};

// @ts-expect-error a title is text
export const wrong: ProductCreate = { title: 42 };

export function describeProblem(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [`${problem.status} ${problem.title}`, problem.detail ?? "", ...fields].filter(Boolean).join("\n");
}

export async function createProduct(
  base: string,
  token: string,
  body: ProductCreate,
  idempotencyKey: string,
): Promise<ProductOut | Problem> {
  const response = await fetch(`${base}/api/catalog/products`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${token}`,
      "Content-Type": "application/json",
      "Idempotency-Key": idempotencyKey,
    },
    body: JSON.stringify(body),
  });
  if (response.status === 201) {
    const product = (await response.json()) as ProductOut;
    const id: string = product.id;
    const version: number = product.version;
    console.log(`created ${id} (version ${version}) at ${response.headers.get("Location") ?? "?"}`);
    return product;
  }
  const problem = (await response.json()) as Problem;
  console.error(describeProblem(problem));
  return problem;
}

export function answer(job: JobDeliver): JobResult {
  return {
    job_id: job.job_id,
    outcome: "failed",
    finished_at: new Date().toISOString(),
    error: { code: "unsupported", message: `cannot ${job.kind} here` },
  };
}

// @ts-expect-error a job's kind is one of the protocol's
export const badKind: JobDeliver["kind"] = "teleport";

export const messages: RelayMessage[] = [];
