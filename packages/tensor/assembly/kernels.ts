export * from "./gemm";
export * from "./elementwise";
