/**
 * Certificate policy processing, RFC 5280 6.1.3 (d)-(f), 6.1.4 (a)-(b), (h)-(j) and 6.1.5, with the
 * default inputs: user-initial-policy-set = anyPolicy, and no initial explicit-policy, mapping or
 * anyPolicy inhibition. Returns why no policy is valid when the path requires one, else undefined.
 */
import type { CertInfo } from './verify-cert.js';

export const ANY_POLICY = '2.5.29.32.0';

interface PolicyNode {
  policy: string;
  expected: Set<string>;
  parent?: PolicyNode;
  children: PolicyNode[];
}

type Tree = PolicyNode[][] | null;

const selfIssued = (c: CertInfo) => c.subjectKey === c.issuerKey;

function addChild(parent: PolicyNode, policy: string, expected: Iterable<string>, level: PolicyNode[]): void {
  const node: PolicyNode = { policy, expected: new Set(expected), parent, children: [] };
  parent.children.push(node);
  level.push(node);
}

/** Removes nodes (below the current depth) that have no children, bottom-up; null when the root goes too. */
function prune(tree: PolicyNode[][], depth: number): Tree {
  for (let d = depth - 1; d >= 0; d--) {
    const keep = tree[d]!.filter((n) => n.children.length > 0);
    for (const gone of tree[d]!.filter((n) => n.children.length === 0)) {
      if (gone.parent) gone.parent.children = gone.parent.children.filter((c) => c !== gone);
    }
    tree[d] = keep;
  }
  return tree[0]!.length === 0 ? null : tree;
}

function removeNodes(tree: PolicyNode[][], depth: number, policy: string): Tree {
  for (const n of tree[depth]!.filter((x) => x.policy === policy)) {
    if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
  }
  tree[depth] = tree[depth]!.filter((x) => x.policy !== policy);
  return prune(tree, depth);
}

/** `path` runs from the certificate issued by the trust anchor (first) to the leaf (last). */
export function policyProblem(path: CertInfo[]): { cert: CertInfo; message: string } | undefined {
  const n = path.length;
  let tree: Tree = [[{ policy: ANY_POLICY, expected: new Set([ANY_POLICY]), children: [] }]];
  let explicitPolicy = n + 1;
  let inhibitAnyPolicy = n + 1;
  let policyMapping = n + 1;
  let requiredBy: CertInfo | undefined;

  for (let i = 1; i <= n; i++) {
    const cert = path[i - 1]!;
    if (cert.policies && tree) {
      const prev = tree[i - 1]!;
      const level: PolicyNode[] = [];
      tree.push(level);
      for (const p of cert.policies.filter((x) => x !== ANY_POLICY)) {
        const matches = prev.filter((node) => node.expected.has(p));
        if (matches.length > 0) matches.forEach((node) => addChild(node, p, [p], level));
        else prev.filter((node) => node.policy === ANY_POLICY).forEach((node) => addChild(node, p, [p], level));
      }
      if (cert.policies.includes(ANY_POLICY) && (inhibitAnyPolicy > 0 || (i < n && selfIssued(cert)))) {
        for (const node of prev) {
          for (const value of node.expected) {
            if (!node.children.some((c) => c.policy === value)) addChild(node, value, [value], level);
          }
        }
      }
      tree = prune(tree, i);
    } else if (!cert.policies) {
      tree = null;
    }
    if (explicitPolicy === 0 && tree === null) {
      return {
        cert,
        message: `no certificate policy is valid down to ${cert.source} ('${cert.subject}'), but ${requiredBy ? `${requiredBy.source} ('${requiredBy.subject}')` : 'the path'} requires an explicit policy; issue the certificates with a common certificatePolicies OID`,
      };
    }
    if (i === n) break;
    // Preparation for certificate i+1.
    if (cert.policyMappings) {
      const bad = cert.policyMappings.find(([from, to]) => from === ANY_POLICY || to === ANY_POLICY);
      if (bad)
        return {
          cert,
          message: `${cert.source} ('${cert.subject}') maps anyPolicy in policyMappings, which RFC 5280 forbids; re-issue it without that mapping`,
        };
      if (tree) tree = applyMappings(tree, i, cert.policyMappings, policyMapping);
    }
    if (!selfIssued(cert)) {
      if (explicitPolicy > 0) explicitPolicy--;
      if (policyMapping > 0) policyMapping--;
      if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
    }
    if (cert.requireExplicitPolicy !== undefined && cert.requireExplicitPolicy < explicitPolicy) {
      explicitPolicy = cert.requireExplicitPolicy;
      requiredBy = cert;
    }
    if (cert.inhibitPolicyMapping !== undefined) policyMapping = Math.min(policyMapping, cert.inhibitPolicyMapping);
    if (cert.inhibitAnyPolicy !== undefined) inhibitAnyPolicy = Math.min(inhibitAnyPolicy, cert.inhibitAnyPolicy);
  }
  // Wrap-up (6.1.5): the leaf's own constraint counts, and the user-initial-policy-set is anyPolicy.
  const leaf = path[n - 1];
  if (explicitPolicy > 0) explicitPolicy--;
  if (leaf && leaf.requireExplicitPolicy === 0) {
    explicitPolicy = 0;
    requiredBy = leaf;
  }
  if (explicitPolicy === 0 && tree === null && leaf) {
    return {
      cert: leaf,
      message: `no certificate policy is valid for the whole path, but ${requiredBy ? `${requiredBy.source} ('${requiredBy.subject}')` : 'the path'} requires an explicit policy; issue the certificates with a common certificatePolicies OID`,
    };
  }
  return undefined;
}

function applyMappings(tree: PolicyNode[][], depth: number, mappings: [string, string][], policyMapping: number): Tree {
  const byIssuer = new Map<string, string[]>();
  for (const [from, to] of mappings) byIssuer.set(from, [...(byIssuer.get(from) ?? []), to]);
  let current: Tree = tree;
  for (const [from, tos] of byIssuer) {
    if (!current) break;
    const level = current[depth]!;
    if (policyMapping > 0) {
      const nodes = level.filter((x) => x.policy === from);
      if (nodes.length > 0) nodes.forEach((x) => (x.expected = new Set(tos)));
      else {
        const any = level.find((x) => x.policy === ANY_POLICY);
        if (any?.parent) addChild(any.parent, from, tos, level);
      }
    } else {
      current = removeNodes(current, depth, from);
    }
  }
  return current;
}
