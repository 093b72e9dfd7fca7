package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole config file.
type Config struct {
	Lake string `yaml:"lake"`
	// SpoolDir holds partition files while they are written, before upload;
	// empty means the system temp directory.
	SpoolDir string `yaml:"spool_dir"`
	S3       S3     `yaml:"s3"`
	Server   Server `yaml:"server"`
	// Lineage sends OpenLineage run events; empty sends none.
	Lineage Lineage `yaml:"lineage"`
	Jobs    Jobs    `yaml:"jobs"`
	// Iceberg configures the Iceberg tables and their catalogs.
	Iceberg Iceberg `yaml:"iceberg"`

	// MemoryLimit (bytes) is the process's soft memory limit for Go's
	// garbage collector (runtime/debug.SetMemoryLimit); zero leaves the
	// runtime's default (GOMEMLIMIT, else none). Without one the heap
	// grows to twice what is live, which on a 2M-row shared-strings
	// workbook is most of the peak (docs/BENCHMARKS.md).
	MemoryLimit int64 `yaml:"memory_limit"`
	// GCHeadroom (bytes) is how far the heap may grow over what is live
	// before the next collection, or 60% of the live heap when that is
	// more (internal/gctune): short runs with a small live heap collect
	// less often, a large heap peaks at 1.6 times its live part instead
	// of twice. Zero turns it off (Go's GOGC=100); GOGC in the
	// environment overrides it.
	GCHeadroom int64 `yaml:"gc_headroom"`

	root *yaml.Node // the document, for the lines of Validate's problems
}

// S3 configures s3:// lakes and inboxes. Credentials never come from here:
// they come from the standard AWS chain.
type S3 struct {
	Region    string `yaml:"region"`
	Endpoint  string `yaml:"endpoint"`
	PathStyle bool   `yaml:"path_style"`
}

// Lineage says where OpenLineage run events go: POSTed to URL, appended
// to File (one JSON line each), or both. Neither set: no events.
type Lineage struct {
	URL  string `yaml:"url"`
	File string `yaml:"file"`
	// Namespace is the OpenLineage namespace of the jobs (default
	// "tradepipe").
	Namespace string `yaml:"namespace"`
}

// Enabled reports whether events go anywhere.
func (l Lineage) Enabled() bool { return l.URL != "" || l.File != "" }

// Server configures the operator API.
type Server struct {
	Listen   string `yaml:"listen"`
	TokenEnv string `yaml:"token_env"`
	// ShutdownGrace is how long running partitions may take to finish after
	// SIGINT/SIGTERM before they are cancelled (default 30s).
	ShutdownGrace Duration `yaml:"shutdown_grace"`
	// AllowedHosts are host names (no port) the API answers to besides
	// loopback names, e.g. the name a reverse proxy or a Service uses.
	AllowedHosts []string `yaml:"allowed_hosts"`
	// TrustedOrigins are origins (https://ops.example) whose web pages may
	// make mutating API calls.
	TrustedOrigins []string `yaml:"trusted_origins"`
}

// Job is one scheduled or on-demand ingest.
type Job struct {
	Name     string   `yaml:"-"`
	Source   string   `yaml:"source"`
	Schedule string   `yaml:"schedule"`
	Window   int      `yaml:"window"`
	After    []string `yaml:"after"`
	// CatchupWindow bounds catch-up after downtime: only ticks missed within
	// it count, and they run once. Zero means one schedule interval;
	// negative ("-1s") disables catch-up.
	CatchupWindow Duration `yaml:"catchup_window"`
	// Overlap is what a tick does while the job still runs: skip (default)
	// or queue (run once more after).
	Overlap string `yaml:"overlap"`
	// Jitter delays each tick by a fixed, job-specific share of it, so jobs
	// on the same schedule do not hit a source at once.
	Jitter Duration `yaml:"jitter"`
	// MaxAttempts per partition before it is marked failed (default 3).
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBackoff is the first retry's wait; it doubles, with jitter
	// (default 30s).
	RetryBackoff Duration `yaml:"retry_backoff"`
	// RateLimit caps a backfill's requests to the source per second
	// (default 2; 0 in the file means the default).
	RateLimit float64 `yaml:"rate_limit"`
	// ReleaseDate (YYYY-MM-DD) dates the files of the job's inbox and the
	// files pushed with ingest, when their content states no date: their
	// release ids are of that day, not of the files' modification times.
	ReleaseDate string    `yaml:"release_date"`
	Options     yaml.Node `yaml:"options"`
	// Decoded is the source's typed options, set by Validate.
	Decoded any `yaml:"-"`
}

// Jobs keeps jobs in file order and notices names given twice.
type Jobs struct {
	list []*Job
	dups []string
}

// All returns the jobs in the order of the file.
func (j Jobs) All() []*Job { return j.list }

// Get returns the job called name, or nil.
func (j Jobs) Get(name string) *Job {
	for _, job := range j.list {
		if job.Name == name {
			return job
		}
	}
	return nil
}

// Default returns the config used for keys the file leaves out.
func Default() Config {
	return Config{
		Lake:    "file://./lake",
		S3:      S3{Region: "us-east-1"},
		Server:  Server{Listen: "127.0.0.1:8080", TokenEnv: "TRADEPIPE_TOKEN", ShutdownGrace: Duration(30 * time.Second)},
		Iceberg: Iceberg{Namespace: "tradepipe", Expire: DefaultIcebergExpire()},
		// 51 collections of a 40-release Census run became 14 (13% less
		// CPU), and the 2M-row workbook's peak 254 → 235–238 MB
		// (docs/BENCHMARKS.md, "GC headroom").
		GCHeadroom: DefaultGCHeadroom,
	}
}

// DefaultGCHeadroom is gc_headroom's default, 64 MiB.
const DefaultGCHeadroom = 64 << 20

// Path resolves the config path: the flag, else $TRADEPIPE_CONFIG, else
// ./tradepipe.yaml.
func Path(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv("TRADEPIPE_CONFIG"); env != "" {
		return env
	}
	return "tradepipe.yaml"
}

// Load reads, decodes and validates the config at path. A bad config is a
// Problems error listing every problem, each with path, line and field.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := Parse(b)
	var ps Problems
	if err != nil && !errors.As(err, &ps) {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if c != nil {
		var more Problems
		if errors.As(c.Validate(), &more) {
			ps = append(ps, more...)
		}
	}
	if len(ps) == 0 {
		return c, nil
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	for i := range ps {
		ps[i].File = path
	}
	return c, ps
}

// Parse decodes a config document over the defaults. Unknown keys and
// values of the wrong kind are Problems; the config is returned with them
// (nil only for a YAML syntax error) so Validate can report the rest.
func Parse(b []byte) (*Config, error) {
	root, ps := parseNode(b)
	if root == nil {
		return nil, ps
	}
	c := Default()
	c.root = root
	ps = append(ps, decodeNode(root, &c, "")...)
	if len(ps) > 0 {
		return &c, ps
	}
	return &c, nil
}

// lineRE matches the "line N: " yaml.v3 and Duration put in messages; the
// Problem carries the line instead.
var lineRE = regexp.MustCompile(`line \d+: `)

// Problem is one thing wrong with a config, at a field path.
type Problem struct {
	Path string // YAML field path, e.g. jobs.census-exports.options.flow
	Msg  string
	Line int    // 1-based line in the file; 0 when unknown
	File string // set by Load
}

// Error formats the problem as FILE:LINE: PATH: MSG, leaving out what is
// unknown.
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(":")
	}
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem Validate found.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// JobNames returns the job names in file order.
func (c *Config) JobNames() []string {
	var out []string
	for _, j := range c.Jobs.All() {
		out = append(out, j.Name)
	}
	return out
}
