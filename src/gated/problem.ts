/**
 * The gated deep linear network problem (issue 14's contract): a DAG of layers, a dataset of gated contexts,
 * an initialisation, a training schedule. Validated at the boundary with field-level errors, and normalised to
 * index-based flat data the simulator and the race reduction share.
 */
import {
  ValidationError,
  expectArray,
  expectNumber,
  expectOneOf,
  expectRecord,
  rejectUnknownKeys,
} from '../util/validation.ts';

export type NodeKind = 'input' | 'hidden' | 'output';

export interface GatedNode {
  readonly id: string;
  readonly size: number;
  readonly kind: NodeKind;
}

export interface GatedEdge {
  readonly id: string;
  /** Node indices. */
  readonly from: number;
  readonly to: number;
}

/** A dense row-major matrix. */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export interface GatedContext {
  readonly weight: number;
  /** Items in the context (P_c). */
  readonly items: number;
  /** Per node: its input matrix (size × P) at input nodes that are named, else null (x = 0). */
  readonly inputs: (Dense | null)[];
  /** Per node: its target matrix (size × P) at output nodes that are named, else null (no loss term). */
  readonly targets: (Dense | null)[];
  readonly nodeGates: Float64Array;
  readonly edgeGates: Float64Array;
}

export interface GatedGraph {
  readonly nodes: readonly GatedNode[];
  readonly edges: readonly GatedEdge[];
  /** Node indices in an order where every edge goes forward. */
  readonly order: readonly number[];
}

export type GatedInit =
  | { readonly kind: 'weights'; readonly weights: Dense[] }
  | { readonly kind: 'decoupled'; readonly scale: number; readonly seed: number }
  | { readonly kind: 'orthogonal'; readonly gain: number; readonly seed: number }
  | { readonly kind: 'gaussian'; readonly sigma: number; readonly seed: number };

/**
 * How the error travels back (issue 15): the true gradient, or feedback alignment through fixed B_e — drawn as
 * ρ W_e(0) + √(1 − ρ²) W̃_e (W̃_e Gaussian at W_e(0)'s RMS, from the seed, edge by edge) or given per edge id
 * (the shape of W_e). The other rules of the multi-pathway simulator (DFA, Hebb, gates) assume chains with one
 * summed output and are refused here.
 */
export type GatedRule =
  | 'gd'
  | { readonly kind: 'fa'; readonly rho: number; readonly seed: number }
  | { readonly kind: 'fa'; readonly feedback: Dense[] };

export type GatedTrain = (
  | { readonly method: 'gd'; readonly learningRate: number; readonly steps: number; readonly recordEvery: number }
  | { readonly method: 'flow'; readonly tau: number; readonly times: number[] }
) & { readonly rule?: GatedRule };

export interface GatedProblem {
  readonly graph: GatedGraph;
  readonly contexts: readonly GatedContext[];
  readonly init: GatedInit;
  readonly train: GatedTrain;
  /** Held-out contexts (weights ignored). */
  readonly evaluate: readonly GatedContext[];
  readonly engine: 'network' | 'reduced';
}

/** Above this many entries in one matrix the problem is almost certainly a mistake (and would not fit). */
const MAX_NODE_SIZE = 1 << 14;
const MAX_ITEMS = 1 << 20;
const SEED_RULE = { integer: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } as const;
/** Context weights must sum to 1 to round-off of a few additions. */
const WEIGHT_SUM_TOLERANCE = 1e-9;

export function parseGatedProblem(input: unknown): GatedProblem {
  const obj = expectRecord(input, 'problem', 'a JSON object { graph, contexts, init, train, evaluate?, engine? }');
  rejectUnknownKeys(obj, ['graph', 'contexts', 'init', 'train', 'evaluate', 'engine'], '');
  const graph = parseGraph(obj['graph']);
  const contexts = expectArray(obj['contexts'], 'contexts', undefined, 'an array of contexts').map((c, i) =>
    parseContext(c, `contexts[${i}]`, graph, true),
  );
  if (contexts.length === 0) throw new ValidationError('contexts', obj['contexts'], 'at least one context');
  let sum = 0;
  for (const c of contexts) sum += c.weight;
  if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) {
    throw new ValidationError('contexts[*].weight', sum, `context weights summing to 1 (within ${WEIGHT_SUM_TOLERANCE})`);
  }
  const evaluate =
    obj['evaluate'] === undefined
      ? []
      : expectArray(obj['evaluate'], 'evaluate', undefined, 'an array of contexts').map((c, i) =>
          parseContext(c, `evaluate[${i}]`, graph, false),
        );
  const init = parseInit(obj['init'], graph);
  const train = parseTrain(obj['train'], graph);
  const engine = obj['engine'] === undefined ? 'network' : expectOneOf(obj['engine'], 'engine', ['network', 'reduced'] as const);
  if (engine === 'reduced' && train.rule !== undefined && train.rule !== 'gd') {
    throw new ValidationError('train.rule', train.rule, 'with engine "reduced": "gd" (feedback alignment runs on engine "network")');
  }
  return { graph, contexts, init, train, evaluate, engine };
}

function expectId(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new ValidationError(field, value, 'a non-empty string id (at most 200 characters)');
  }
  return value;
}

export function parseGraph(value: unknown): GatedGraph {
  const obj = expectRecord(value, 'graph', 'an object { nodes, edges }');
  rejectUnknownKeys(obj, ['nodes', 'edges'], 'graph');
  const rawNodes = expectArray(obj['nodes'], 'graph.nodes', undefined, 'an array of nodes { id, size, kind? }');
  const index = new Map<string, number>();
  const nodes: GatedNode[] = [];
  for (let i = 0; i < rawNodes.length; i++) {
    const field = `graph.nodes[${i}]`;
    const n = expectRecord(rawNodes[i], field, 'a node { id, size, kind? }');
    rejectUnknownKeys(n, ['id', 'size', 'kind'], field);
    const id = expectId(n['id'], `${field}.id`);
    if (index.has(id)) throw new ValidationError(`${field}.id`, id, `a unique node id (also graph.nodes[${index.get(id)}])`);
    const size = expectNumber(n['size'], `${field}.size`, { integer: true, min: 1, max: MAX_NODE_SIZE });
    const kind = n['kind'] === undefined ? 'hidden' : expectOneOf(n['kind'], `${field}.kind`, ['input', 'hidden', 'output'] as const);
    index.set(id, i);
    nodes.push({ id, size, kind });
  }
  if (!nodes.some((n) => n.kind === 'input')) throw new ValidationError('graph.nodes', '(no input node)', 'at least one node of kind "input"');
  if (!nodes.some((n) => n.kind === 'output')) throw new ValidationError('graph.nodes', '(no output node)', 'at least one node of kind "output"');
  const rawEdges = expectArray(obj['edges'], 'graph.edges', undefined, 'an array of edges { id, from, to }');
  const edgeIds = new Map<string, number>();
  const edges: GatedEdge[] = [];
  for (let i = 0; i < rawEdges.length; i++) {
    const field = `graph.edges[${i}]`;
    const e = expectRecord(rawEdges[i], field, 'an edge { id, from, to }');
    rejectUnknownKeys(e, ['id', 'from', 'to'], field);
    const id = expectId(e['id'], `${field}.id`);
    if (edgeIds.has(id)) throw new ValidationError(`${field}.id`, id, `a unique edge id (also graph.edges[${edgeIds.get(id)}])`);
    const from = nodeRef(e['from'], `${field}.from`, index);
    const to = nodeRef(e['to'], `${field}.to`, index);
    if (nodes[from]!.kind === 'output') throw new ValidationError(`${field}.from`, e['from'], 'a node that is not an output node');
    if (nodes[to]!.kind === 'input') throw new ValidationError(`${field}.to`, e['to'], 'a node that is not an input node');
    edgeIds.set(id, i);
    edges.push({ id, from, to });
  }
  if (edges.length === 0) throw new ValidationError('graph.edges', rawEdges, 'at least one edge');
  const order = topologicalOrder(nodes, edges);
  return { nodes, edges, order };
}

function nodeRef(value: unknown, field: string, index: Map<string, number>): number {
  const id = expectId(value, field);
  const i = index.get(id);
  if (i === undefined) throw new ValidationError(field, value, `the id of a node in graph.nodes (${[...index.keys()].slice(0, 12).join(', ')})`);
  return i;
}

/** Kahn's algorithm; a cycle is named by walking it. */
function topologicalOrder(nodes: readonly GatedNode[], edges: readonly GatedEdge[]): number[] {
  const indegree = new Array<number>(nodes.length).fill(0);
  const out: number[][] = nodes.map(() => []);
  for (const e of edges) {
    indegree[e.to]!++;
    out[e.from]!.push(e.to);
  }
  const queue: number[] = [];
  for (let v = 0; v < nodes.length; v++) if (indegree[v] === 0) queue.push(v);
  const order: number[] = [];
  while (queue.length) {
    const v = queue.shift()!;
    order.push(v);
    for (const w of out[v]!) if (--indegree[w]! === 0) queue.push(w);
  }
  if (order.length === nodes.length) return order;
  // Every node left has an incoming edge from another node left: walk backwards until a node repeats.
  const left = new Set<number>();
  for (let v = 0; v < nodes.length; v++) if (indegree[v]! > 0) left.add(v);
  const pred = new Map<number, number>();
  for (const e of edges) if (left.has(e.to) && left.has(e.from)) pred.set(e.to, e.from);
  let v = left.values().next().value as number;
  const seen: number[] = [];
  while (!seen.includes(v)) {
    seen.push(v);
    v = pred.get(v)!;
  }
  const cycle = seen.slice(seen.indexOf(v)).reverse().map((i) => nodes[i]!.id);
  throw new ValidationError('graph.edges', cycle.concat(cycle[0]!).join(' → '), 'a directed acyclic graph (this is a cycle)');
}

function parseMatrix(value: unknown, field: string, rows: number, cols: number | undefined): Dense {
  const rowsIn = expectArray(value, field, rows, `a matrix with ${rows} rows`);
  let c = cols;
  let data: Float64Array | null = null;
  for (let i = 0; i < rows; i++) {
    // A snapshot (expectArray): holes, throwing getters and Proxies are refused by name, not read twice.
    const row = expectArray(rowsIn[i], `${field}[${i}]`, undefined, 'a row: an array of numbers');
    if (c === undefined) {
      c = row.length;
      if (c === 0 || c > MAX_ITEMS) throw new ValidationError(`${field}[${i}].length`, c, `between 1 and ${MAX_ITEMS} columns`);
    }
    if (row.length !== c) throw new ValidationError(`${field}[${i}].length`, row.length, `${c} (every row the same length)`);
    data ??= new Float64Array(rows * c);
    for (let j = 0; j < c; j++) {
      data[i * c + j] = expectNumber(row[j], `${field}[${i}][${j}]`);
    }
  }
  return { rows, cols: c!, data: data! };
}

function parseContext(value: unknown, field: string, graph: GatedGraph, weighted: boolean): GatedContext {
  const keys = weighted ? ['weight', 'inputs', 'targets', 'gates'] : ['inputs', 'targets', 'gates'];
  const obj = expectRecord(value, field, `a context { ${keys.join(', ')} }`);
  rejectUnknownKeys(obj, keys, field);
  const weight = weighted ? expectNumber(obj['weight'], `${field}.weight`, { min: 0 }) : 1;
  const { nodes, edges } = graph;
  const nodeIndex = new Map(nodes.map((n, i) => [n.id, i]));
  const inputs: (Dense | null)[] = nodes.map(() => null);
  const targets: (Dense | null)[] = nodes.map(() => null);
  let items: number | undefined;
  const readBlock = (block: unknown, name: 'inputs' | 'targets', kind: NodeKind, into: (Dense | null)[]): void => {
    const f = `${field}.${name}`;
    const rec = expectRecord(block, f, `an object { <${kind} node id>: size × P matrix }`);
    for (const id of Object.keys(rec)) {
      const v = nodeIndex.get(id);
      if (v === undefined || nodes[v]!.kind !== kind) {
        throw new ValidationError(`${f}.${id}`, rec[id], `a matrix under the id of an ${kind} node`);
      }
      const m = parseMatrix(rec[id], `${f}.${id}`, nodes[v]!.size, items);
      if (items !== undefined && m.cols !== items) {
        throw new ValidationError(`${f}.${id}`, `${m.cols} items`, `${items} items (columns), as the context's other matrices`);
      }
      items = m.cols;
      into[v] = m;
    }
  };
  readBlock(obj['inputs'], 'inputs', 'input', inputs);
  readBlock(obj['targets'], 'targets', 'output', targets);
  // A context naming no target scores nothing (a trial whose output is not trained); it must still say its items.
  if (items === undefined) throw new ValidationError(`${field}.inputs`, obj['inputs'], 'at least one input or target matrix (to set the items P)');
  const nodeGates = new Float64Array(nodes.length).fill(1);
  const edgeGates = new Float64Array(edges.length).fill(1);
  if (obj['gates'] !== undefined) {
    const g = expectRecord(obj['gates'], `${field}.gates`, 'an object { nodes?, edges? }');
    rejectUnknownKeys(g, ['nodes', 'edges'], `${field}.gates`);
    const readGates = (block: unknown, f: string, ids: Map<string, number>, into: Float64Array): void => {
      if (block === undefined) return;
      const rec = expectRecord(block, f, 'an object { <id>: gate value }');
      for (const id of Object.keys(rec)) {
        const i = ids.get(id);
        if (i === undefined) throw new ValidationError(`${f}.${id}`, rec[id], `a gate under a known id (${[...ids.keys()].slice(0, 12).join(', ')})`);
        into[i] = expectNumber(rec[id], `${f}.${id}`);
      }
    };
    readGates(g['nodes'], `${field}.gates.nodes`, nodeIndex, nodeGates);
    readGates(g['edges'], `${field}.gates.edges`, new Map(edges.map((e, i) => [e.id, i])), edgeGates);
  }
  return { weight, items, inputs, targets, nodeGates, edgeGates };
}

function parseInit(value: unknown, graph: GatedGraph): GatedInit {
  const allowed = 'one of { weights }, { decoupled: { scale, seed } }, { orthogonal: { gain, seed } }, { gaussian: { sigma, seed } }';
  const obj = expectRecord(value, 'init', allowed);
  const keys = Object.keys(obj);
  if (keys.length !== 1) throw new ValidationError('init', value, `exactly ${allowed}`);
  const kind = keys[0]!;
  if (kind === 'weights') {
    const rec = expectRecord(obj['weights'], 'init.weights', 'an object { <edge id>: matrix } with every edge');
    rejectUnknownKeys(rec, graph.edges.map((e) => e.id), 'init.weights');
    const weights = graph.edges.map((e) => {
      const f = `init.weights.${e.id}`;
      if (rec[e.id] === undefined) throw new ValidationError(f, undefined, 'a matrix for every edge');
      const rows = graph.nodes[e.to]!.size;
      const cols = graph.nodes[e.from]!.size;
      return parseMatrix(rec[e.id], f, rows, cols);
    });
    return { kind: 'weights', weights };
  }
  const params: Record<string, [string, string]> = {
    decoupled: ['scale', 'a finite number'],
    orthogonal: ['gain', 'a finite number'],
    gaussian: ['sigma', 'a number ≥ 0'],
  };
  const spec = params[kind];
  if (spec === undefined || !Object.hasOwn(params, kind)) throw new ValidationError(`init.${kind}`, obj[kind], allowed);
  const f = `init.${kind}`;
  const p = expectRecord(obj[kind], f, `an object { ${spec[0]}, seed }`);
  rejectUnknownKeys(p, [spec[0], 'seed'], f);
  const amount = expectNumber(p[spec[0]], `${f}.${spec[0]}`, kind === 'gaussian' ? { min: 0 } : {});
  const seed = expectNumber(p['seed'], `${f}.seed`, SEED_RULE);
  if (kind === 'decoupled') return { kind, scale: amount, seed };
  if (kind === 'orthogonal') return { kind, gain: amount, seed };
  return { kind: 'gaussian', sigma: amount, seed };
}

const RULE_ALLOWED = '"gd", { "kind": "fa", "rho"?, "seed" } or { "kind": "fa", "feedback": { <edge id>: matrix } } (DFA, Hebb and GLN run in dln simulate)';

function parseGatedRule(value: unknown, graph: GatedGraph): GatedRule | undefined {
  if (value === undefined) return undefined;
  if (value === 'gd') return 'gd';
  const obj = expectRecord(value, 'train.rule', RULE_ALLOWED);
  expectOneOf(obj['kind'], 'train.rule.kind', ['fa'] as const);
  if (obj['feedback'] !== undefined) {
    rejectUnknownKeys(obj, ['kind', 'feedback'], 'train.rule');
    const rec = expectRecord(obj['feedback'], 'train.rule.feedback', 'an object { <edge id>: matrix } with every edge');
    rejectUnknownKeys(rec, graph.edges.map((e) => e.id), 'train.rule.feedback');
    const feedback = graph.edges.map((e) => {
      const f = `train.rule.feedback.${e.id}`;
      if (rec[e.id] === undefined) throw new ValidationError(f, undefined, 'a matrix for every edge (the shape of its weights)');
      return parseMatrix(rec[e.id], f, graph.nodes[e.to]!.size, graph.nodes[e.from]!.size);
    });
    return { kind: 'fa', feedback };
  }
  rejectUnknownKeys(obj, ['kind', 'rho', 'seed'], 'train.rule');
  const rho = obj['rho'] === undefined ? 0 : expectNumber(obj['rho'], 'train.rule.rho', { min: 0, max: 1 });
  return { kind: 'fa', rho, seed: expectNumber(obj['seed'], 'train.rule.seed', SEED_RULE) };
}

function parseTrain(value: unknown, graph: GatedGraph): GatedTrain {
  const obj = expectRecord(value, 'train', 'an object { method: "gd", learningRate, steps, recordEvery, rule? } or { method: "flow", tau?, times, rule? }');
  const method = expectOneOf(obj['method'], 'train.method', ['gd', 'flow'] as const);
  const rule = parseGatedRule(obj['rule'], graph);
  const withRule = rule === undefined ? {} : { rule };
  if (method === 'gd') {
    rejectUnknownKeys(obj, ['method', 'learningRate', 'steps', 'recordEvery', 'rule'], 'train');
    const learningRate = expectNumber(obj['learningRate'], 'train.learningRate', { exclusiveMin: 0 });
    const steps = expectNumber(obj['steps'], 'train.steps', { integer: true, min: 0, max: 1e9 });
    const recordEvery = obj['recordEvery'] === undefined ? 1 : expectNumber(obj['recordEvery'], 'train.recordEvery', { integer: true, min: 1, max: 1e9 });
    return { method, learningRate, steps, recordEvery, ...withRule };
  }
  rejectUnknownKeys(obj, ['method', 'tau', 'times', 'rule'], 'train');
  const tau = obj['tau'] === undefined ? 1 : expectNumber(obj['tau'], 'train.tau', { exclusiveMin: 0 });
  const raw = expectArray(obj['times'], 'train.times', undefined, 'an array of increasing times ≥ 0');
  if (raw.length === 0) throw new ValidationError('train.times', raw, 'at least one time');
  const times: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = expectNumber(raw[i], `train.times[${i}]`, { min: 0 });
    if (i > 0 && !(t > times[i - 1]!)) throw new ValidationError(`train.times[${i}]`, t, `strictly increasing times (> ${times[i - 1]})`);
    times.push(t);
  }
  return { method, tau, times, ...withRule };
}
