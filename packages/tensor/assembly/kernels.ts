export * from "./gemm";
