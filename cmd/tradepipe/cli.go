package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/tradepipe/tradepipe/internal/config"
	"github.com/tradepipe/tradepipe/internal/redact"
)

// Exit codes (ARCHITECTURE.md).
const (
	exitOK     = 0
	exitFailed = 1 // a job or partition failed
	exitUsage  = 2 // usage or config error
)

const usage = `usage: tradepipe COMMAND [flags] [args]

commands:
  run [--once|--plan] [--job NAME]...
                                 run the scheduler and operator API (--once: each job once;
                                 --plan: print what would fire)
  ingest JOB FILE...             push local files through a job's source now
  backfill JOB --from YYYY-MM --to YYYY-MM [--parallel N] [--force] [--dry-run]
  backfill --retry-failed ID | --resume ID
  status [--json]                jobs, next runs, last runs, failed partitions, backfills
  compliance [--through YYYY-MM] [--basis us-exports|cn-imports]
             [--baseline lake|piie_original|piie_revised] [--proration linear|seasonal]
             [--format table|json|csv] [--chart FILE.svg] [--html FILE]
                                 Phase One compliance report from the lake
  validate                       check the config, print every problem
  version                        print version information

common flags:
  --config PATH   config file (default $TRADEPIPE_CONFIG, else ./tradepipe.yaml)
`

// usageError is a mistake on the command line: exit 2.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, rest := args[0], args[1:]
	var err error
	var code int
	switch cmd {
	case "run":
		code, err = cmdRun(ctx, rest, stdout, stderr)
	case "ingest":
		code, err = cmdIngest(ctx, rest, stdout, stderr)
	case "backfill":
		code, err = cmdBackfill(ctx, rest, stdout, stderr)
	case "status":
		code, err = cmdStatus(ctx, rest, stdout, stderr)
	case "validate":
		code, err = cmdValidate(rest, stdout, stderr)
	case "compliance":
		code, err = cmdCompliance(ctx, rest, stdout, stderr)
	case "version":
		printVersion(stdout)
	default:
		err = usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	var ue usageError
	var ps config.Problems
	switch {
	case err == nil:
		return code
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "tradepipe %s: %s\n", cmd, ue.msg)
		fmt.Fprint(stderr, usage)
		return exitUsage
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintf(stderr, "config: %s\n", p)
		}
		return exitUsage
	case errors.Is(err, errConfig):
		fmt.Fprintf(stderr, "tradepipe %s: %v\n", cmd, err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "tradepipe %s: %s\n", cmd, redact.New(redact.EnvSecrets(os.Environ())...).Scrub(err.Error()))
		return exitFailed
	}
}

var errConfig = errors.New("config")

// flags is a flag set that accepts flags before and after positional
// arguments, as ARCHITECTURE.md promises.
type flags struct {
	*flag.FlagSet
	config string
}

func newFlags(name string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &flags{FlagSet: fs}
	fs.StringVar(&f.config, "config", "", "config file")
	return f
}

// parse returns the positional arguments, wherever they stand.
func (f *flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
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

func cmdValidate(args []string, stdout, stderr io.Writer) (int, error) {
	f := newFlags("validate", stderr)
	pos, err := f.parse(args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usageError{"validate takes no arguments"}
	}
	c, err := loadConfig(f.config)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(stdout, "%s: ok (%d jobs: %s)\n", config.Path(f.config), len(c.Jobs.All()), strings.Join(c.JobNames(), ", "))
	return exitOK, nil
}

// newLogger logs JSON when stderr is not a terminal, text when it is,
// with the secrets of the environment scrubbed from every line.
func newLogger(stderr io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	var h slog.Handler = slog.NewJSONHandler(stderr, opts)
	if f, ok := stderr.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			h = slog.NewTextHandler(stderr, opts)
		}
	}
	return slog.New(redact.New(redact.EnvSecrets(os.Environ())...).Handler(h))
}

func printVersion(w io.Writer) {
	version, commit := "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	fmt.Fprintf(w, "tradepipe %s commit %s %s %s/%s\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
