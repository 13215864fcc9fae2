import { Command } from 'commander';
import { describeCommand, runAction } from '../command-kit.js';
import { usageError } from '../../errors.js';
import { writeOut } from '../stdio.js';

const SHELL_VALUES = ['bash', 'zsh', 'fish'] as const;

export function registerCompletion(program: Command): void {
  const cmd = describeCommand(
    program.command('completion').argument('<shell>', SHELL_VALUES.join(', ')),
    {
      summary: 'print a shell completion script (commands, flags, NAMEs from --dir, --for and --format values)',
      description:
        'The script is generated from the command tree, so it knows every command of this version. Install it once:\n' +
        "  bash: echo 'source <(mtlskit completion bash)' >> ~/.bashrc\n" +
        "  zsh:  echo 'source <(mtlskit completion zsh)' >> ~/.zshrc\n" +
        '  fish: mtlskit completion fish > ~/.config/fish/completions/mtlskit.fish\n' +
        'NAME arguments complete to the NAME.crt / NAME.key files in --dir (default ./pki) at the time you press Tab.',
      examples: [
        [
          'mtlskit completion bash > ~/.local/share/bash-completion/completions/mtlskit',
          'completion in every new bash (bash-completion loads it on first use)',
        ],
        ["echo 'source <(mtlskit completion zsh)' >> ~/.zshrc", 'completion in every new zsh'],
        ['mtlskit completion fish > ~/.config/fish/completions/mtlskit.fish', 'completion for every new fish shell'],
      ],
      exitCodes: [[2, 'an unknown shell']],
    },
    { dir: false },
  );
  cmd.action(
    runAction<{ json?: boolean }>(async ([shell], opts, output) => {
      if (!(SHELL_VALUES as readonly string[]).includes(shell!))
        throw usageError(
          `'${shell}' is not a shell mtlskit has completion for; use one of ${SHELL_VALUES.join(', ')}.`,
        );
      const { registerCommands } = await import('./index.js');
      const { bashScript, zshScript, fishScript } = await import('../completion.js');
      const tree = new Command('mtlskit');
      registerCommands(tree);
      const script = shell === 'bash' ? bashScript(tree) : shell === 'zsh' ? zshScript(tree) : fishScript(tree);
      if (opts.json) output.result({ shell, script }, []);
      else writeOut(script);
    }),
  );
  cmd.registeredArguments[0]!.argChoices = [...SHELL_VALUES];
}
