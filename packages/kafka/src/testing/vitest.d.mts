export declare const kafkaGlobalSetup: string;
