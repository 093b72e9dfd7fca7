package config

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/tradepipe/tradepipe/sinks/lake"
)

// Inboxer is implemented by the options of jobs that read an inbox.
type Inboxer interface{ InboxURL() string }

// InboxURL implements Inboxer.
func (o *CensusOptions) InboxURL() string { return o.Inbox }

// InboxURL implements Inboxer.
func (o *GACCOptions) InboxURL() string { return o.Inbox }

// InboxURL implements Inboxer.
func (o *PanjivaOptions) InboxURL() string { return o.Inbox }

// location is a lake or inbox URL reduced to what overlap needs: the
// store (a bucket, or "" for the local filesystem) and a slash-separated
// absolute path in it.
type location struct {
	store, path string
}

func locate(raw string) (location, error) {
	u, err := lake.ParseURL(raw)
	if err != nil {
		return location{}, err
	}
	if u.Scheme == "s3" {
		return location{store: "s3://" + u.Host, path: path.Clean("/" + u.Path)}, nil
	}
	abs, err := filepath.Abs(filepath.FromSlash(u.Path))
	if err != nil {
		return location{}, err
	}
	// Resolve symlinks where the directory exists, so that a link to the
	// lake is the lake.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	return location{path: filepath.ToSlash(abs)}, nil
}

// overlaps reports whether one location contains the other.
func (a location) overlaps(b location) bool {
	if a.store != b.store {
		return false
	}
	inside := func(x, y string) bool {
		return x == y || y == "/" || strings.HasPrefix(x, strings.TrimSuffix(y, "/")+"/")
	}
	return inside(a.path, b.path) || inside(b.path, a.path)
}

// checkInboxes confines inboxes: a run moves files it took from its inbox
// into failed/ and done/ there, so an inbox that climbs out of the working
// directory (file://../../etc), that is the lake or inside it (whose
// _state the run would move), or that overlaps another job's inbox (whose
// inputs it would take) is refused.
func (c *Config) checkInboxes() Problems {
	var ps Problems
	lakeLoc, lakeErr := locate(c.Lake)
	type inbox struct {
		job string
		loc location
	}
	var seen []inbox
	for _, j := range c.Jobs.All() {
		ib, ok := j.Decoded.(Inboxer)
		if !ok || ib.InboxURL() == "" {
			continue
		}
		p := "jobs." + j.Name + ".options.inbox"
		raw := ib.InboxURL()
		if u, err := lake.ParseURL(raw); err == nil && u.Scheme == "file" && !filepath.IsAbs(filepath.FromSlash(u.Path)) {
			if c := path.Clean(u.Path); c == ".." || strings.HasPrefix(c, "../") {
				ps = append(ps, Problem{Path: p, Msg: fmt.Sprintf("%q climbs out of the working directory; write the absolute path if that directory is meant", raw)})
				continue
			}
		}
		loc, err := locate(raw)
		if err != nil {
			continue // checkURL has said why
		}
		if loc.store == "" && loc.path == "/" {
			ps = append(ps, Problem{Path: p, Msg: fmt.Sprintf("%q is the filesystem root", raw)})
			continue
		}
		if lakeErr == nil && loc.overlaps(lakeLoc) {
			ps = append(ps, Problem{Path: p, Msg: fmt.Sprintf("%q overlaps the lake %q: the run would move the lake's own files", raw, c.Lake)})
			continue
		}
		for _, o := range seen {
			if loc.overlaps(o.loc) {
				ps = append(ps, Problem{Path: p, Msg: fmt.Sprintf("%q overlaps the inbox of job %s: each would take the other's files", raw, o.job)})
			}
		}
		seen = append(seen, inbox{j.Name, loc})
	}
	return ps
}
