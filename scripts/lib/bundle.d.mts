export declare const JS_BUDGET_KB: number
export declare const ASSETS_DIR: string
export declare function gzippedKb(ext: string): number
