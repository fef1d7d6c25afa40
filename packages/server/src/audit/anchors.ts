import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.js";
import { canonicalJson } from "./canonical-json.js";

/**
 * Anchors: the heads of every chain at a moment, signed with an Ed25519 key kept away from the database.
 * The hash chains alone show any edit that leaves later hashes unchanged; someone who can write to the
 * database can still rewrite a chain from some event on with recomputed hashes, or cut its tail. An
 * anchor kept elsewhere (another machine, a ticket, an e-mail) fixes what the chains were: verifying
 * against it finds a chain that no longer extends an anchored head.
 */
export interface ChainHead {
  chain: string;
  seq: number;
  head: string;
}
export interface Anchor {
  at: string;
  chains: ChainHead[];
  /** Ed25519 signature (base64) of the canonical JSON of `{ at, chains }`. */
  signature: string;
}

/** A new Ed25519 key pair, PEM-encoded: the private key signs anchors, the public key verifies them. */
export function generateAnchorKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicKey: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Signs the current head of every chain. */
export async function anchorHeads(db: Kysely<Database>, privateKeyPem: string, now: Date): Promise<Anchor> {
  const chains = (await db.selectFrom("chains").select(["chain", "seq", "head"]).orderBy("chain").execute()).map((c) => ({
    chain: c.chain,
    seq: c.seq,
    head: c.head,
  }));
  const at = now.toISOString();
  const signature = sign(null, Buffer.from(canonicalJson({ at, chains })), createPrivateKey(privateKeyPem)).toString("base64");
  return { at, chains, signature };
}

export function readAnchors(file: string): Anchor[] {
  if (!existsSync(file)) return [];
  const anchors = JSON.parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(anchors)) throw new Error(`${file}: must be a JSON array of anchors`);
  return anchors as Anchor[];
}

/** Appends an anchor to the file (a JSON array), replacing the file whole so a crash leaves the old one. */
export function appendAnchor(file: string, anchor: Anchor): void {
  const anchors = [...readAnchors(file), anchor];
  writeFileSync(`${file}.tmp`, `${JSON.stringify(anchors, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/**
 * Every way the log departs from the anchors: an anchor not signed by this key, a chain cut short of an
 * anchored event (truncation), or an anchored event whose hash is no longer the one anchored (rewrite).
 */
export async function verifyAnchors(db: Kysely<Database>, anchors: readonly Anchor[], publicKeyPem: string): Promise<string[]> {
  const key = createPublicKey(publicKeyPem);
  const problems: string[] = [];
  for (const anchor of anchors) {
    const signed = verify(
      null,
      Buffer.from(canonicalJson({ at: anchor.at, chains: anchor.chains })),
      key,
      Buffer.from(anchor.signature ?? "", "base64"),
    );
    if (!signed) {
      problems.push(`anchor of ${anchor.at}: its signature does not verify with this public key`);
      continue;
    }
    for (const head of anchor.chains) {
      if (head.seq === 0) continue;
      const event = await db
        .selectFrom("events")
        .select("hash")
        .where("chain", "=", head.chain)
        .where("chain_seq", "=", head.seq)
        .executeTakeFirst();
      if (!event) problems.push(`chain ${head.chain}: event ${head.seq}, anchored on ${anchor.at}, is gone (the chain was cut short)`);
      else if (event.hash !== head.head)
        problems.push(`chain ${head.chain}: event ${head.seq} is not the one anchored on ${anchor.at} (the history was rewritten)`);
    }
  }
  return problems;
}
