/** The canvas as data for the placement tests, and the check that a placement failing at any step leaves it untouched. */
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import { expect } from 'vitest';
import type { RunOptions } from '../../plugin/src/messages.ts';
import type { FakeNode } from '../helpers/figma-host.ts';
import { canvasSteps, failAt } from '../helpers/figma-nodes.ts';
import { runAll, startTestPlugin, type MakeResult, type PluginUnderTest } from './scene.ts';

/** A node and its children as plain data: everything a placement may change. */
export function canvasTree(node: FakeNode): unknown {
  return {
    id: node.id, type: node.type, name: node.name, visible: node.visible, locked: node.locked,
    box: node.type === 'PAGE' ? null : [node.x, node.y, node.width, node.height, node.rotation],
    fills: node.fills, constraints: node.constraints, layoutPositioning: node.layoutPositioning, isMask: node.isMask,
    children: node.children.map(canvasTree),
  };
}

/** The node with `id` under `root`. */
export function findNode(root: FakeNode, id: string): FakeNode | undefined {
  if (root.id === id) return root;
  for (const child of root.children) {
    const found = findNode(child, id);
    if (found) return found;
  }
  return undefined;
}

/** The image fill of a node and the stored image it shows. */
export function imageOf(p: PluginUnderTest, node: FakeNode, index = 0) {
  const paint = node.fills.filter((f): f is ImagePaint => f.type === 'IMAGE')[index]!;
  return { paint, stored: p.host.images.get(paint.imageHash!)! };
}

/** Builds a scene on a fresh plugin and returns the layers to select. */
export type SceneBuilder = (p: PluginUnderTest) => Promise<FakeNode[]>;

/**
 * Runs the scene once to learn every canvas step its placement makes, then once per step with that step failing:
 * each time the layer fails and the page's layer tree is exactly as before — or, where a fallback took over (a rectangle
 * when Figma will not duplicate the layer), the one result node is all that was added. Returns the steps.
 */
export async function expectAllOrNothing(build: SceneBuilder, options: RunOptions, make?: MakeResult): Promise<string[]> {
  canvasSteps.armed.length = 0;
  const p = startTestPlugin();
  p.host.select(...(await build(p)));
  const from = canvasSteps.log.length;
  const { outcomes } = await runAll(p, options, make);
  expect(outcomes.map((o) => o.type)).toEqual(['layer-placed']);
  const steps = canvasSteps.log.slice(from);
  const seen = new Map<string, number>();
  for (const step of steps) {
    const nth = (seen.get(step) ?? 0) + 1;
    seen.set(step, nth);
    const q = startTestPlugin();
    q.host.select(...(await build(q)));
    const before = canvasTree(q.host.page);
    failAt(step, nth);
    const failed = await runAll(q, options, make);
    expect(canvasSteps.armed, `${step} #${nth} was reached`).toEqual([]);
    const [outcome] = failed.outcomes;
    expect(failed.outcomes, `failure at ${step} #${nth}`).toHaveLength(1);
    if (outcome?.type === 'layer-placed' && options.placement === 'beside') findNode(q.host.page, outcome.nodeId)?.remove();
    else expect(outcome?.type, `failure at ${step} #${nth}`).toBe('layer-failed');
    expect(canvasTree(q.host.page), `the canvas after a failure at ${step} #${nth}`).toEqual(before);
  }
  return steps;
}
