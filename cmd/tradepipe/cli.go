package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tradepipe/tradepipe/internal/buildinfo"
	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/gctune"
	"github.com/tradepipe/tradepipe/internal/redact"
)

// Exit codes (ARCHITECTURE.md).
const (
	exitOK     = 0
	exitFailed = 1 // a job or partition failed
	exitUsage  = 2 // usage or config error
)

// usageError is a mistake on the command line: exit 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

var errConfig = errors.New("config")

// globals are the flags every command takes and the streams it writes to.
type globals struct {
	ctx            context.Context
	stdout, stderr io.Writer
	config         string
	verbose        int
	logLevel       string
	console        *console // stderr shared by logs and progress bar, on a terminal
	closers        []func() // run calls them when the command is done
	gc             *gctune.Tuner
	// code is the exit code a command that ran chose (0 or 1); errors map
	// to codes in run.
	code int
}

// run executes the command line args and returns the exit code. It never
// calls os.Exit, so tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{ctx: ctx, stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	for _, c := range g.closers {
		c()
	}
	name := "tradepipe"
	if cmd != nil && cmd != root {
		name = cmd.CommandPath()
	}
	var ue usageError
	var ps config.Problems
	switch {
	case err == nil:
		return g.code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "%s: %s\n", name, ue.msg)
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", name)
		return exitUsage
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintf(stderr, "%s\n", p)
		}
		return exitUsage
	case errors.Is(err, errConfig):
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "%s: %s\n", name, redact.New(redact.EnvSecrets(os.Environ())...).Scrub(err.Error()))
		return exitFailed
	}
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "tradepipe",
		Short: "Scheduled ingest of trade statistics into a Parquet lake",
		Long: `tradepipe runs scheduled ingest jobs for trade statistics (US Census API,
China customs releases, Panjiva spreadsheets) into a Parquet data lake and
computes Phase One compliance metrics from what landed.

Exit codes: 0 success; 1 a job or partition failed; 2 usage or config error.`,
		Version:       versionString(),
		SilenceErrors: true,
		// Suggestions within two edits, as cobra's own unknown-command
		// message would offer.
		SuggestionsMinimumDistance: 2,
		SilenceUsage:               true,
		// Args on the root turns an unknown command into a usage error
		// (exit 2) with cobra's suggestions.
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
			}
			return usageError{msg}
		},
		RunE: func(c *cobra.Command, _ []string) error {
			// No command: the help, on stderr, and exit 2, as a
			// script that forgot the command must not pass.
			c.SetOut(g.stderr)
			_ = c.Help()
			g.code = exitUsage
			return nil
		},
	}
	// A bad --log-level is a usage error for every command, logging or not.
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		var l slog.Level
		if g.logLevel != "" && l.UnmarshalText([]byte(g.logLevel)) != nil {
			return usageError{fmt.Sprintf("--log-level %q is not debug, info, warn or error", g.logLevel)}
		}
		return nil
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err.Error()} })
	pf := root.PersistentFlags()
	pf.StringVar(&g.config, "config", "", "config file `PATH` (default $TRADEPIPE_CONFIG, else ./tradepipe.yaml)")
	pf.CountVarP(&g.verbose, "verbose", "v", "log more on a terminal: -v info, -vv debug")
	pf.StringVar(&g.logLevel, "log-level", "", "log `LEVEL`: debug, info, warn or error (default: warn on a terminal, info otherwise)")
	_ = root.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions([]string{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp))
	_ = root.MarkPersistentFlagFilename("config", "yaml", "yml")

	root.AddCommand(
		newRunCmd(g), newIngestCmd(g), newBackfillCmd(g), newStatusCmd(g),
		newComplianceCmd(g), newValidateCmd(g), newVersionCmd(g), newSchemaCmd(g), newTablesCmd(g),
		newRetireCmd(g),
	)
	return root
}

// noArgs rejects positional arguments with a usage error.
func noArgs(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usageError{fmt.Sprintf("%s takes no arguments (got %q)", what, args[0])}
		}
		return nil
	}
}

// completeJobs completes job names from the config the command line names.
func completeJobs(g *globals) cobra.CompletionFunc {
	return func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, cobra.ShellCompDirectiveDefault
		}
		c, err := config.Load(config.Path(g.config))
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return c.JobNames(), cobra.ShellCompDirectiveNoFileComp
	}
}

func loadConfig(flagPath string) (*config.Config, error) {
	path := config.Path(flagPath)
	c, err := config.Load(path)
	if err != nil {
		var ps config.Problems
		if errors.As(err, &ps) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", errConfig, err)
	}
	return c, nil
}

func newValidateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the config and print every problem with its line and field path",
		Long: `Load the config (--config, else $TRADEPIPE_CONFIG, else ./tradepipe.yaml) and check
it whole: every problem is printed, one a line, as FILE:LINE: FIELD.PATH: what is wrong.
Exit 0 when the config is valid, 2 otherwise.`,
		Args: noArgs("validate"),
		RunE: func(*cobra.Command, []string) error {
			c, err := loadConfig(g.config)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "%s: ok (%d jobs: %s)\n", config.Path(g.config), len(c.Jobs.All()), strings.Join(c.JobNames(), ", "))
			return nil
		},
	}
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  noArgs("version"),
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(g.stdout, versionString())
			return nil
		},
	}
}

// versionString is what `tradepipe version` prints. Version and commit
// come from internal/buildinfo, the one place the build stamps (see the
// Dockerfile) and the Parquet writer's created_by reads too.
func versionString() string {
	return fmt.Sprintf("tradepipe %s commit %s %s %s/%s", buildinfo.Version(), buildinfo.Commit(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
