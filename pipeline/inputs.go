package pipeline

// Where releases come from before the engine parses them: inbox objects
// and local files spooled and hashed, the raw/ archive copy, and failed/.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

func rawFolder(rel *sources.Release) string {
	if !rel.Month.IsZero() {
		return rel.Month.String()
	}
	return DeliveryName(rel)
}

func (r *Runner) archive(ctx context.Context, rel *sources.Release) (string, error) {
	ext := rel.Ext
	if ext == "" {
		ext = "bin"
	}
	key := fmt.Sprintf("raw/%s/%s/%s.%s", rel.Source, rawFolder(rel), rel.SHA256, ext)
	if _, err := r.opts.Lake.Stat(ctx, key); err == nil {
		return key, nil
	} else if !errors.Is(err, lake.ErrNotExist) {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	f, err := os.Open(rel.Path)
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	defer f.Close()
	if err := r.opts.Lake.Put(ctx, key, f); err != nil {
		return "", fmt.Errorf("archive %s: %w", rel.URI, err)
	}
	return key, nil
}

func (r *Runner) spoolInbox(ctx context.Context, job *Job, o lake.Object) (*sources.Release, error) {
	rc, err := job.Inbox.Get(ctx, o.Key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(r.opts.SpoolDir, "input-*")
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("read inbox %s: %w", o.Key, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	at := o.ModTime
	if at.IsZero() {
		at = r.opts.Now()
	}
	return &sources.Release{
		Source:    job.Source,
		URI:       strings.TrimRight(job.Inbox.URL(), "/") + "/" + o.Key,
		Name:      path.Base(o.Key),
		Path:      f.Name(),
		Size:      n,
		SHA256:    sum,
		Ext:       strings.ToLower(strings.TrimPrefix(path.Ext(o.Key), ".")),
		ReleaseID: sources.ReleaseID(releaseDate(job, o.Key, at), sum),
		FetchedAt: at.UTC(),
	}, nil
}

// releaseDate is when a dropped or pushed input was released, for its
// release id, unless its content states a date (a parser then sets the id
// itself, as GACC's release pages do): a released=YYYY-MM-DD segment of its
// inbox key or path, else the job's ReleaseDate, else dropped (its
// modification time). The day is taken at 00:00Z, so as-of queries by date
// compare as for dated releases.
func releaseDate(job *Job, key string, dropped time.Time) time.Time {
	for _, seg := range strings.Split(filepath.ToSlash(key), "/") {
		if v, ok := strings.CutPrefix(seg, "released="); ok {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d
			}
		}
	}
	if job.ReleaseDate != (civil.Date{}) {
		return job.ReleaseDate.In()
	}
	return dropped
}

func localRelease(job *Job, p string) (*sources.Release, error) {
	source := job.Source
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", p, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s is a directory", p)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	return &sources.Release{
		Source:    source,
		URI:       "file://" + abs,
		Name:      filepath.Base(abs),
		Path:      abs,
		Size:      n,
		SHA256:    sum,
		Ext:       strings.ToLower(strings.TrimPrefix(filepath.Ext(abs), ".")),
		ReleaseID: sources.ReleaseID(releaseDate(job, p, fi.ModTime()), sum),
		FetchedAt: fi.ModTime().UTC(),
	}, nil
}

// errInputChanged reports that an inbox object is no longer the one a run
// took: replaced (or removed) between take and move.
var errInputChanged = errors.New("input changed since it was taken")

// taken reports, with nil, that the inbox object at o.Key is still the one
// the run took as rel: same size and, where the store has version tags
// (S3), the same ETag as listed; where it has none (a directory), the same
// modification time and, when deep, the same SHA-256 of the content. The
// error wraps errInputChanged when it is another object (or none), else
// says why it could not be told.
func (r *Runner) taken(ctx context.Context, job *Job, o lake.Object, rel *sources.Release, deep bool) error {
	cur, err := job.Inbox.Stat(ctx, o.Key)
	switch {
	case errors.Is(err, lake.ErrNotExist):
		return fmt.Errorf("%s is gone: %w", o.Key, errInputChanged)
	case err != nil:
		return err
	case cur.Size != rel.Size:
		return fmt.Errorf("%s is now %d bytes, the run read %d: %w", o.Key, cur.Size, rel.Size, errInputChanged)
	case o.ETag != "" && cur.ETag != "":
		if cur.ETag != o.ETag {
			return fmt.Errorf("%s has ETag %s, the run took %s: %w", o.Key, cur.ETag, o.ETag, errInputChanged)
		}
		return nil
	case !cur.ModTime.Equal(o.ModTime):
		return fmt.Errorf("%s was modified at %s, after the run took it: %w", o.Key, cur.ModTime.UTC().Format(time.RFC3339Nano), errInputChanged)
	case !deep:
		return nil
	}
	rc, err := job.Inbox.Get(ctx, o.Key)
	if errors.Is(err, lake.ErrNotExist) {
		return fmt.Errorf("%s is gone: %w", o.Key, errInputChanged)
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return fmt.Errorf("read %s: %w", o.Key, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != rel.SHA256 {
		return fmt.Errorf("%s now has sha256 %s, the run took %s: %w", o.Key, sum[:12], rel.SHA256[:12], errInputChanged)
	}
	return nil
}

// moveToFailed moves the inbox object the run took as rel (listed as o)
// to failed/, with the reason beside it. Only that object moves: one
// replaced since the run took it (a corrected file dropped meanwhile) is
// left in place for the next run. The bytes copied to failed/ are the
// spooled ones the run read, never re-read from the inbox. The last check
// is a Stat just before the delete; an object replaced between that Stat
// and the delete is the one window left, which a store without
// conditional deletes cannot close.
func (r *Runner) moveToFailed(ctx context.Context, job *Job, o lake.Object, rel *sources.Release, cause error) {
	key := o.Key
	log := r.logger.With("job", job.Name, "key", key)
	if err := r.taken(ctx, job, o, rel, true); err != nil {
		if errors.Is(err, errInputChanged) {
			log.Warn("failed input left in the inbox: it changed since the run took it", "reason", cause, "change", err)
		} else {
			log.Error("move to failed/", "err", err)
		}
		return
	}
	f, err := os.Open(rel.Path)
	if err != nil {
		log.Error("move to failed/", "err", err)
		return
	}
	defer f.Close()
	if err := job.Inbox.Put(ctx, "failed/"+key, f); err != nil {
		log.Error("move to failed/", "err", err)
		return
	}
	reason := fmt.Sprintf("%s\n%s\n", r.opts.Now().UTC().Format(time.RFC3339), cause)
	if err := job.Inbox.Put(ctx, "failed/"+key+".reason.txt", strings.NewReader(reason)); err != nil {
		log.Error("write failure reason", "err", err)
		return
	}
	if err := r.taken(ctx, job, o, rel, false); err != nil {
		log.Warn("failed input copied to failed/ but left in the inbox: it changed since the run took it", "reason", cause, "change", err)
		return
	}
	if err := job.Inbox.Delete(ctx, key); err != nil {
		log.Error("remove failed input", "err", err)
		return
	}
	log.Warn("input moved to failed/", "reason", cause)
}
