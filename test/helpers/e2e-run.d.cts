/** What the end-to-end run shares between its global setup (plain CommonJS) and its tests. */
export declare const BUILD_DIR: string;
export declare const CHROMIUM: string;
export declare const CHROMIUM_ARGS: string[];
