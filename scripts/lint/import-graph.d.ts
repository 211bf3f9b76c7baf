export declare const ROOT: string;
export declare function cycleThrough(file: string, first: string): string[] | undefined;
export declare function bundleInputs(entries: string[]): { files: string[]; packages: string[] };
