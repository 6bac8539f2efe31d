export * from "./gemm";
export * from "./elementwise";
export * from "./pool";
export * from "./conv";
export * from "./optim";
