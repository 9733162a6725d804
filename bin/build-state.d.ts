// Types of bin/build-state.js (plain JavaScript: it runs before any TypeScript loader).
export declare const ROOT: string;
export declare const BUILD_DIR: string;
export declare function sourceFingerprint(root?: string): string;
export declare function freshBuild(name: string, root?: string): string | undefined;
export declare function launch(name: string, source: string): Promise<unknown>;
