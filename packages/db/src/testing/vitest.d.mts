export declare const databaseTestOptions: {
  globalSetup: string[];
  testTimeout: number;
  hookTimeout: number;
};
