package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/sinks/lake"
)

var (
	jobNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
	envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// optionsDecoders decode and check each source's options. A static table,
// not a registry: adding a source means adding a line here.
var optionsDecoders = map[string]func(j *Job, path string) (any, Problems){
	"census":     decodeCensus,
	"compliance": decodeCompliance,
	"gacc":       decodeGACC,
	"panjiva":    decodePanjiva,
}

// Sources lists the source names a job may use.
func Sources() []string {
	out := make([]string, 0, len(optionsDecoders))
	for k := range optionsDecoders {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// cronParser accepts what robfig/cron's standard parser does: five fields,
// descriptors such as @daily and @every 15m, and a CRON_TZ= or TZ= prefix.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a job's schedule. A schedule without a CRON_TZ= (or
// TZ=) prefix is in UTC, whatever the host's time zone: robfig/cron would
// take time.Local.
func ParseSchedule(spec string) (cron.Schedule, error) {
	if ScheduleZone(spec) == "UTC" && !strings.HasPrefix(spec, "@every ") {
		spec = "CRON_TZ=UTC " + spec
	}
	return cronParser.Parse(spec)
}

// ScheduleZone returns the time zone a schedule's times are in: its
// CRON_TZ= (or TZ=) prefix, else UTC.
func ScheduleZone(spec string) string {
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(spec), p); ok {
			zone, _, _ := strings.Cut(rest, " ")
			return zone
		}
	}
	return "UTC"
}

// Validate checks the whole config and returns Problems listing everything
// wrong, or nil. It also fills each job's Decoded options.
func (c *Config) Validate() error {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}

	if u, err := lake.ParseURL(c.Lake); err != nil {
		add("lake", "%v", err)
	} else if u.Scheme == "s3" && c.S3.Region == "" {
		add("s3.region", "required for an s3:// lake")
	}
	if c.MemoryLimit < 0 {
		add("memory_limit", "must be 0 (no limit) or more bytes")
	}
	if c.GCHeadroom < 0 {
		add("gc_headroom", "must be 0 (off) or more bytes")
	}
	if c.S3.Endpoint != "" {
		if u, err := url.Parse(c.S3.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("s3.endpoint", "%q is not an http(s) URL", c.S3.Endpoint)
		}
	}
	if _, _, err := net.SplitHostPort(c.Server.Listen); err != nil {
		add("server.listen", "%q is not host:port", c.Server.Listen)
	}
	if c.Server.TokenEnv != "" && !envNameRE.MatchString(c.Server.TokenEnv) {
		add("server.token_env", "%q is not an environment variable name", c.Server.TokenEnv)
	}

	for i, h := range c.Server.AllowedHosts {
		if h == "" || strings.ContainsAny(h, ":/ ") {
			add(fmt.Sprintf("server.allowed_hosts[%d]", i), "%q is not a host name (no scheme, port or path)", h)
		}
	}
	for i, o := range c.Server.TrustedOrigins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			add(fmt.Sprintf("server.trusted_origins[%d]", i), "%q is not an origin such as https://ops.example", o)
		}
	}
	if v := c.Lineage.URL; v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			add("lineage.url", "%q is not an http(s) URL such as http://marquez:5000/api/v1/lineage", v)
		}
	}
	if v := c.Lineage.File; v != "" {
		if strings.HasSuffix(v, "/") || strings.Contains(v, "://") {
			add("lineage.file", "%q is not a file path", v)
		} else if fi, err := os.Stat(v); err == nil && fi.IsDir() {
			add("lineage.file", "%q is a directory", v)
		}
	}
	if c.Lineage.Namespace != "" && !c.Lineage.Enabled() {
		add("lineage.namespace", "set, but neither lineage.url nor lineage.file is")
	}
	if len(c.Jobs.All()) == 0 {
		add("jobs", "no jobs defined")
	}
	for _, d := range c.Jobs.dups {
		add("jobs."+d, "job defined more than once")
	}
	for _, j := range c.Jobs.All() {
		p := "jobs." + j.Name
		if !jobNameRE.MatchString(j.Name) {
			add(p, "job name must be lowercase letters, digits, - and _ (at most 63)")
		}
		decode, ok := optionsDecoders[j.Source]
		switch {
		case j.Source == "":
			add(p+".source", "required (one of %s)", strings.Join(Sources(), ", "))
		case !ok:
			add(p+".source", "unknown source %q (one of %s)", j.Source, strings.Join(Sources(), ", "))
		default:
			opts, more := decode(j, p+".options")
			ps = append(ps, more...)
			j.Decoded = opts
		}
		if j.Schedule != "" {
			if _, err := ParseSchedule(j.Schedule); err != nil {
				add(p+".schedule", "%q: %v", j.Schedule, err)
			}
		}
		if j.ReleaseDate != "" {
			if _, err := civil.ParseDate(j.ReleaseDate); err != nil {
				add(p+".release_date", "%q is not a date YYYY-MM-DD", j.ReleaseDate)
			}
		}
		if j.Window < 0 {
			add(p+".window", "must be 0 or more months")
		}
		switch j.Overlap {
		case "":
			j.Overlap = "skip"
		case "skip", "queue":
		default:
			add(p+".overlap", "%q is not skip or queue", j.Overlap)
		}
		if j.Jitter < 0 {
			add(p+".jitter", "must not be negative")
		}
		if j.MaxAttempts < 0 {
			add(p+".max_attempts", "must be 0 (default 3) or more")
		} else if j.MaxAttempts == 0 {
			j.MaxAttempts = 3
		}
		if j.RetryBackoff < 0 {
			add(p+".retry_backoff", "must not be negative")
		} else if j.RetryBackoff == 0 {
			j.RetryBackoff = Duration(30 * time.Second)
		}
		if j.RateLimit < 0 {
			add(p+".rate_limit", "must not be negative")
		} else if j.RateLimit == 0 {
			j.RateLimit = 2
		}
		for i, a := range j.After {
			switch {
			case a == j.Name:
				add(fmt.Sprintf("%s.after[%d]", p, i), "a job cannot run after itself")
			case c.Jobs.Get(a) == nil:
				add(fmt.Sprintf("%s.after[%d]", p, i), "unknown job %q", a)
			}
		}
	}
	if cyc := c.afterCycle(); cyc != "" {
		add("jobs", "after: cycle %s", cyc)
	}
	ps = append(ps, c.checkOverlappingWriters()...)
	ps = append(ps, c.checkInboxes()...)
	ps = append(ps, c.checkIceberg()...)
	if len(ps) == 0 {
		return nil
	}
	for i := range ps {
		if ps[i].Line == 0 && c.root != nil {
			ps[i].Line = lineOf(c.root, ps[i].Path)
		}
	}
	return ps
}

// afterCycle returns a cycle among after: edges as "a -> b -> a", or "".
func (c *Config) afterCycle() string {
	state := map[string]int{} // 0 new, 1 on stack, 2 done
	var stack []string
	var visit func(string) string
	visit = func(n string) string {
		state[n] = 1
		stack = append(stack, n)
		if j := c.Jobs.Get(n); j != nil {
			for _, a := range j.After {
				if a == n || c.Jobs.Get(a) == nil {
					continue // reported elsewhere
				}
				if state[a] == 1 {
					i := slices.Index(stack, a)
					return strings.Join(append(append([]string{}, stack[i:]...), a), " -> ")
				}
				if state[a] == 0 {
					if cyc := visit(a); cyc != "" {
						return cyc
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = 2
		return ""
	}
	for _, j := range c.Jobs.All() {
		if state[j.Name] == 0 {
			if cyc := visit(j.Name); cyc != "" {
				return cyc
			}
		}
	}
	return ""
}

// Writer is implemented by decoded options that write a whole dataset
// partition family; two jobs writing the same one would overwrite each
// other's files.
type Writer interface{ Writes() string }

// PartnerWriter is a Writer whose files carry their partners in their
// identity: jobs of one partition family may share it when their partner
// sets are disjoint. Covers returns the partners' ISO codes, nil for all.
type PartnerWriter interface {
	Writer
	Covers() []string
}

func (c *Config) checkOverlappingWriters() Problems {
	var ps Problems
	type writer struct {
		job      string
		partners []string // nil: all, or not partner-aware
		aware    bool
	}
	seen := map[string][]writer{}
	for _, j := range c.Jobs.All() {
		w, ok := j.Decoded.(Writer)
		if !ok {
			continue
		}
		me := writer{job: j.Name}
		if pw, ok := w.(PartnerWriter); ok {
			me.partners, me.aware = pw.Covers(), true
		}
		clash := false
		for _, other := range seen[w.Writes()] {
			if !me.aware || !other.aware {
				ps = append(ps, Problem{Path: "jobs." + j.Name, Msg: fmt.Sprintf("writes %s, as job %s does: the two would replace each other's partitions", w.Writes(), other.job)})
				clash = true
				break
			}
			if common := reference.PartnerOverlap(me.partners, other.partners); common != "" {
				what := "partner " + common
				if common == "all" {
					what = "every partner"
				}
				ps = append(ps, Problem{Path: "jobs." + j.Name, Msg: fmt.Sprintf("writes %s of %s, as job %s does: the months would hold those rows twice", what, w.Writes(), other.job)})
				clash = true
				break
			}
		}
		if !clash {
			seen[w.Writes()] = append(seen[w.Writes()], me)
		}
	}
	return ps
}

// Duration is a time.Duration written as "30s", "5m".
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 30s or 5m", n.Value)
	}
	*d = Duration(v)
	return nil
}

func checkURL(path, raw string) Problems {
	if raw == "" {
		return nil
	}
	if _, err := lake.ParseURL(raw); err != nil {
		return Problems{{Path: path, Msg: err.Error()}}
	}
	return nil
}

func checkHTTPURL(path, raw string) Problems {
	if raw == "" {
		return nil
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Problems{{Path: path, Msg: fmt.Sprintf("%q is not an http(s) URL", raw)}}
	}
	return nil
}

// checkBaseURL accepts a source's base_url: http(s), or file:// (absolute,
// or file://./ relative) to replay saved responses.
func checkBaseURL(path, raw string) Problems {
	if u, err := url.Parse(raw); err == nil && u.Scheme == "file" {
		if u.Host != "" && u.Host != "." && u.Host != "localhost" || u.Path == "" {
			return Problems{{Path: path, Msg: fmt.Sprintf("%q: a file URL is file:///abs/path or file://./rel/path", raw)}}
		}
		return nil
	}
	if ps := checkHTTPURL(path, raw); ps != nil {
		return Problems{{Path: path, Msg: fmt.Sprintf("%q is not an http(s) or file:// URL", raw)}}
	}
	return nil
}

func checkEnvName(path, name string) Problems {
	if name != "" && !envNameRE.MatchString(name) {
		return Problems{{Path: path, Msg: fmt.Sprintf("%q is not an environment variable name", name)}}
	}
	return nil
}
