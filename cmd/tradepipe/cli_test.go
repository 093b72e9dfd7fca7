package main

import (
	"strings"
	"testing"
)

// The CLI follows the conventions of kubectl and its kin: help on stdout
// with exit 0, per-command help, --version, short usage errors with a
// suggestion, shell completion.
func TestCLIConventions(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		code       int
		stdout     []string // each must appear on stdout
		stderr     []string // each must appear on stderr
		maxErrLine int      // stderr has at most this many lines (0: any)
	}{
		{"--help", []string{"--help"}, exitOK, []string{"Usage:\n  tradepipe [flags]\n  tradepipe [command]", "backfill", "validate", "completion"}, nil, 0},
		{"run --help", []string{"run", "--help"}, exitOK, []string{"tradepipe run [--once | --plan] [--job NAME]... [flags]", "--once", "--job NAME", "--config PATH", "CRON_TZ"}, nil, 0},
		{"help run", []string{"help", "run"}, exitOK, []string{"tradepipe run [--once | --plan] [--job NAME]... [flags]"}, nil, 0},
		{"backfill -h", []string{"backfill", "-h"}, exitOK, []string{"--from YYYY-MM", "--parallel N", "--retry-failed ID"}, nil, 0},
		{"--version", []string{"--version"}, exitOK, []string{"tradepipe ", " commit "}, nil, 0},
		{"unknown flag", []string{"run", "--onse"}, exitUsage, nil, []string{"tradepipe run: unknown flag: --onse", "Run 'tradepipe run --help' for usage."}, 2},
		{"did you mean", []string{"statsu"}, exitUsage, nil, []string{`unknown command "statsu"`, "Did you mean this?\n\tstatus"}, 0},
		{"single-dash long flag", []string{"run", "-once"}, exitUsage, nil, []string{"unknown shorthand flag: 'o' in -once"}, 2},
		{"completion bash", []string{"completion", "bash"}, exitOK, []string{"bash completion", "__start_tradepipe"}, nil, 0},
		{"completion zsh", []string{"completion", "zsh"}, exitOK, []string{"#compdef tradepipe"}, nil, 0},
		{"completion fish", []string{"completion", "fish"}, exitOK, []string{"complete -c tradepipe"}, nil, 0},
		{"bad --log-level", []string{"validate", "--log-level", "loud", "--config", "nope.yaml"}, exitUsage, nil, []string{`tradepipe validate: --log-level "loud" is not debug, info, warn or error`}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.stderr {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if n := strings.Count(strings.TrimRight(errs, "\n"), "\n") + 1; tc.maxErrLine > 0 && n > tc.maxErrLine {
				t.Errorf("stderr has %d lines, want at most %d:\n%s", n, tc.maxErrLine, errs)
			}
			if tc.code == exitOK && errs != "" {
				t.Errorf("stderr not empty:\n%s", errs)
			}
		})
	}
}
