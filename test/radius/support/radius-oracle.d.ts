// Types for the parts of the `radius` npm package (1.1.4, CommonJS, test-only oracle) that the tests use.
declare module 'radius' {
  type Attribute = [string | number, unknown] | [string | number, unknown, unknown];

  interface EncodeArgs {
    code: string;
    identifier?: number;
    authenticator?: Buffer;
    secret: string;
    attributes?: Attribute[];
    add_message_authenticator?: boolean;
  }

  interface Decoded {
    code: string;
    identifier: number;
    length: number;
    authenticator: Buffer;
    attributes: Record<string, unknown>;
    raw_attributes: [number, Buffer][];
  }

  interface Radius {
    encode(args: EncodeArgs): Buffer;
    encode_response(args: {
      packet: Decoded;
      code: string;
      secret: string;
      attributes?: Attribute[];
    }): Buffer;
    decode(args: { packet: Buffer; secret: string }): Decoded;
    verify_response(args: { request: Buffer; response: Buffer; secret: string }): boolean;
    add_dictionary(file: string): void;
  }

  const radius: Radius;
  export default radius;
}
