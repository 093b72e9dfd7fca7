package redact

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask replaces each secret.
const Mask = "REDACTED"

// minSecret is the shortest value treated as a secret: replacing every
// "a" or "12" would garble text and a key that short protects nothing.
const minSecret = 6

// Redactor knows the secrets of the process. The zero value knows none.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another goes whole
}

// New returns a redactor that knows secrets (empty ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add teaches r more secrets; empty and very short values are ignored.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s) >= minSecret && !slices.Contains(r.secrets, s) {
			r.secrets = append(r.secrets, s)
		}
	}
	slices.SortFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

var (
	// userinfo in a URL: scheme://user:password@
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s:@"'<>]+:[^/\s@"'<>]*@`)
	// secret-bearing query parameters, in URLs and form bodies
	paramRE = regexp.MustCompile(`(?i)([?&;\s"']|^|%26|%3F)((?:api[_-]?key|key|access[_-]?token|refresh[_-]?token|token|password|passwd|pwd|secret|client[_-]?secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)(?:=|%3D))[^&\s"'<>#;]+`)
	// the same names, whole, for URLSecrets
	secretParamRE = regexp.MustCompile(`(?i)^(?:api[_-]?key|key|access[_-]?token|refresh[_-]?token|token|password|passwd|pwd|secret|client[_-]?secret|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)$`)
	// an Authorization header quoted back
	bearerRE = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}`)
)

// Scrub returns s with every secret r knows and every URL credential
// replaced by Mask. r may be nil.
func (r *Redactor) Scrub(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.mu.RLock()
		for _, sec := range r.secrets {
			if strings.Contains(s, sec) {
				s = strings.ReplaceAll(s, sec, Mask)
			}
		}
		r.mu.RUnlock()
	}
	if strings.Contains(s, "@") {
		s = userinfoRE.ReplaceAllString(s, "${1}"+Mask+"@")
	}
	if strings.ContainsAny(s, "=%") {
		s = paramRE.ReplaceAllString(s, "${1}${2}"+Mask)
	}
	if strings.Contains(s, " ") {
		s = bearerRE.ReplaceAllString(s, "${1} "+Mask)
	}
	return s
}

// Error returns err with its text scrubbed, keeping what errors.Is and
// errors.As see of it. nil stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := r.Scrub(msg); clean != msg {
		return scrubbed{msg: clean, err: err}
	}
	return err
}

type scrubbed struct {
	msg string
	err error
}

func (s scrubbed) Error() string { return s.msg }
func (s scrubbed) Unwrap() error { return s.err }

// Handler wraps h so that the message and every attribute of each record
// are scrubbed: strings, errors, and values that print themselves.
func (r *Redactor) Handler(h slog.Handler) slog.Handler { return &handler{r: r, h: h} }

type handler struct {
	r *Redactor
	h slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.attr(a)
	}
	return &handler{r: h.r, h: h.h.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{r: h.r, h: h.h.WithGroup(name)}
}

func (h *handler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Scrub(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]any, len(g))
		for i, ga := range g {
			clean[i] = h.attr(ga)
		}
		return slog.Group(a.Key, clean...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.Scrub(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, h.r.Scrub(x.String()))
		case []string:
			clean := make([]string, len(x))
			for i, s := range x {
				clean[i] = h.r.Scrub(s)
			}
			return slog.Any(a.Key, clean)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

// URLSecrets returns the secrets a URL carries: the password of its
// userinfo and the values of its secret-bearing query parameters (key=,
// token=, ...), as Add takes them. A server may echo them back in any
// encoding-free form, which the URL patterns of Scrub would miss.
func URLSecrets(rawURL string) []string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok {
		out = append(out, p)
	}
	for name, vs := range u.Query() {
		if secretParamRE.MatchString(name) {
			out = append(out, vs...)
		}
	}
	return out
}

// secretEnvRE matches the names of environment variables that hold
// secrets: CENSUS_API_KEY, TRADEPIPE_TOKEN, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN, ...
var secretEnvRE = regexp.MustCompile(`(?i)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)`)

// EnvSecrets returns the values of the variables of environ (as
// os.Environ gives it) whose names say they hold a secret. Secrets the
// process holds come from the environment (the config names variables,
// never values), so this is how cmd learns them.
func EnvSecrets(environ []string) []string {
	var out []string
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && v != "" && secretEnvRE.MatchString(k) {
			out = append(out, v)
		}
	}
	return out
}
