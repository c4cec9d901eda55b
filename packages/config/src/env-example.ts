import { type VariableName, variables } from './variables.ts';

/** The text of .env.example, rendered from the variable table. */
export function renderEnvExample(): string {
  const lines = [
    '# Kassa configuration. Copy to .env and uncomment what you change.',
    '# Every process reads these; a malformed value stops start-up with a message naming it.',
    '',
  ];
  for (const name of Object.keys(variables) as VariableName[]) {
    const spec = variables[name];
    lines.push(`# ${spec.description}`, `# Expected: ${spec.expected}.`, spec.example, '');
  }
  return lines.join('\n');
}
