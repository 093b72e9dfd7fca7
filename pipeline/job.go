package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sinks/lake"
	"github.com/tradepipe/tradepipe/sources"
)

// Job is a configured ingest: a source's parser, and where its inputs come
// from (a live endpoint, an inbox, or both).
type Job struct {
	Name   string
	Source string // source name in lake paths: census, gacc, panjiva
	Parser sources.Parser
	// Fetcher reads the live endpoint; nil for inbox-only jobs.
	Fetcher sources.Fetcher
	// Inbox holds dropped inputs; nil for live-only jobs. When both are set,
	// a run reads the inbox.
	Inbox lake.Lake
	// InboxExts are the extensions (without dot) taken from the inbox.
	InboxExts []string
	// ReleaseDate dates the inputs the operator drops or pushes, when
	// their content states no date of its own: their release ids are of
	// that day (releaseDate), not of the files' modification times.
	ReleaseDate civil.Date
	// Window is how many months a live run looks back from Latest.
	Window int
	// Latest returns the newest month whose release is expected by now.
	Latest func(now time.Time) civil.Month
	// PerDelivery makes each input write its own file in every partition,
	// named after the delivery (shipments); otherwise an input replaces the
	// job's one file in the partition (FileGroup).
	PerDelivery bool
	// FileGroup names the file a release writes in each partition when
	// the job is not PerDelivery; empty means part-00000. Census jobs name
	// their partners (partner-CN, partners-CN-HK, partners-all), so jobs
	// for different partners keep their files side by side in one month
	// and a release replaces only its own job's file.
	FileGroup string
	// Derive, when set, makes a job computed from the lake rather than
	// read from a source (the compliance metrics): a run computes through
	// it and the engine commits what it returns.
	Derive Deriver
	// Policy is how the scheduler runs the job.
	Policy Policy
	// ReconcileTolerance is the relative difference between a month's HS
	// rows and the source's published total accepted without a warning;
	// nil means DefaultReconcileTolerance.
	ReconcileTolerance *apd.Decimal
}

// WindowMonths returns the months a live run of j fetches at now, oldest
// first.
func (j *Job) WindowMonths(now time.Time) []civil.Month {
	if j.Latest == nil || j.Window <= 0 {
		return nil
	}
	last := j.Latest(now)
	return civil.Range(last.AddMonths(1-j.Window), last)
}

// takes reports whether the inbox key is an input of j: a wanted
// extension (a multi-part one such as "json.gz" matches whole), not under
// failed/, not a hidden or metadata file.
func (j *Job) takes(key string) bool {
	if strings.HasPrefix(key, "failed/") {
		return false
	}
	base := path.Base(key)
	if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
		return false
	}
	lower := strings.ToLower(base)
	return len(j.InboxExts) == 0 || slices.ContainsFunc(j.InboxExts, func(ext string) bool {
		return strings.HasSuffix(lower, "."+strings.ToLower(ext))
	})
}

// groupName is the file group a release writes in each partition.
func (j *Job) groupName(rel *sources.Release) string {
	if j.PerDelivery {
		return DeliveryName(rel)
	}
	if j.FileGroup != "" {
		return j.FileGroup
	}
	return "part-00000"
}

var unsafeRE = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// DeliveryName is a delivery's name in lake paths: the input's base name
// without extension, reduced to characters safe in every object store and
// query engine, and a hash of its source location. A delivery is its
// location: week1/export.xlsx and week2/export.xlsx are two deliveries,
// and a corrected file at the same location replaces the one it corrects.
func DeliveryName(rel *sources.Release) string {
	name := strings.TrimSuffix(rel.Name, path.Ext(rel.Name))
	name = strings.TrimSuffix(name, path.Ext(name)) // export.json.gz
	name = strings.Trim(unsafeRE.ReplaceAllString(name, "_"), "._")
	if name == "" {
		name = "delivery"
	}
	return name + "-" + uriHash(rel.URI)[:8]
}

// uriHash is the hex sha256 of a source location.
func uriHash(uri string) string {
	sum := sha256.Sum256([]byte(uri))
	return hex.EncodeToString(sum[:])
}
