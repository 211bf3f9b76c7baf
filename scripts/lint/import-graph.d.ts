export declare const ROOT: string;
export declare function cycleThrough(file: string, first: string): string[] | undefined;
