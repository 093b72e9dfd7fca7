package sources

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/schema"
)

// Release is one input: a saved or fetched file, spooled to local disk.
type Release struct {
	Source string // census, gacc, panjiva
	// URI is where the input came from: an API URL (without key), an inbox
	// key, or a local file path.
	URI string
	// Name is the input's base name; delivery-based datasets name their
	// files after it.
	Name string
	// Path is a local copy of the input, complete and read-only.
	Path   string
	Size   int64
	SHA256 string
	// Ext is the archive extension, e.g. "json", "xlsx", "csv".
	Ext string
	// ReleaseID identifies the vintage: the source's publication date when
	// it states one, else the fetch time and a prefix of the content hash.
	ReleaseID string
	// Month is the month the input was fetched for; zero for inbox files
	// that say their months inside.
	Month     civil.Month
	FetchedAt time.Time
	// ETag and LastModified are the validators the server sent, for
	// conditional fetching.
	ETag         string
	LastModified string
}

// ReadAll returns the whole input; for sources whose inputs are small.
func (r *Release) ReadAll() ([]byte, error) {
	b, err := os.ReadFile(r.Path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", r.URI, err)
	}
	return b, nil
}

// Emitter receives a release's rows. A method returns an error only when
// the rows cannot be kept (spool disk full, ctx done); the source must then
// stop and return that error.
type Emitter interface {
	// TradeFlow takes a normalised trade_flows row.
	TradeFlow(*schema.TradeFlow) error
	// TradeTotal takes a published country total (trade_totals).
	TradeTotal(*schema.TradeTotal) error
	// Shipment takes a normalised shipments row.
	Shipment(*schema.Shipment) error
	// Reject takes a row that could not be normalised; it lands in
	// quarantine with its raw cells.
	Reject(*schema.Rejected) error
	// Count adds n to a named counter recorded in the manifests of the
	// release's partitions (e.g. "frob_dropped", "unknown_columns").
	Count(name string, n int64)
	// Warn records a warning about the release in its partitions' manifests.
	Warn(msg string)
}

// Parser turns a release into rows.
type Parser interface {
	// Parse reads r and emits its rows to e. It returns an error only when
	// the input as a whole cannot be read (wrong format, truncated, missing
	// required columns): the pipeline then publishes nothing from r. Row
	// level problems are Rejects, not errors. ctx bounds the parse; Parse
	// returns ctx.Err() when it is done.
	Parse(ctx context.Context, r *Release, e Emitter) error
}

// PartnerScoped is a Parser whose releases hold the rows of a fixed set
// of trade partners, with the set in the name of the file each release
// writes (census: partner-CN, partners-CN-HK, partners-all), so jobs for
// different partners share a partition. The pipeline records the set in
// the manifest and refuses to commit a file beside another job's whose
// partners meet its own: a read of the month would count those rows
// twice. Both methods are pure and may be called at any time.
type PartnerScoped interface {
	Parser
	// Partners returns the ISO codes of the partners the rows may hold,
	// sorted; nil means every partner.
	Partners() []string
	// GroupPartners reads the partners from the name of a file group
	// this kind of parser writes, whichever job or version wrote it (nil
	// for every partner); ok is false when the name does not say.
	GroupPartners(group string) (partners []string, ok bool)
}

// Fetcher reads a source's live endpoint.
type Fetcher interface {
	// Fetch retrieves the input for month m into a local file under dir
	// and returns its release. It returns (nil, nil) when the endpoint
	// answers that there is no data for m (yet). Errors wrap ErrPermanent
	// when retrying cannot help
	// (bad request, bad key); anything else may be retried. ctx bounds the
	// whole fetch including retries.
	Fetch(ctx context.Context, m civil.Month, dir string) (*Release, error)
}

// Validators are what a server sent to identify the version of a
// response (HTTP ETag and Last-Modified). Sent back with the next request,
// they let the server answer "not modified" without a body, so polling a
// release often is cheap.
type Validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// IsZero reports whether there are no validators.
func (v Validators) IsZero() bool { return v.ETag == "" && v.LastModified == "" }

// ValidatorsOf returns the validators a release was fetched with.
func ValidatorsOf(r *Release) Validators {
	return Validators{ETag: r.ETag, LastModified: r.LastModified}
}

// ErrNotModified is the answer of ConditionalFetcher.FetchIfModified when
// the input has not changed since the validators were issued.
var ErrNotModified = errors.New("not modified")

// ConditionalFetcher is a Fetcher whose endpoint can tell that an input
// has not changed. The pipeline uses it when a source implements it.
type ConditionalFetcher interface {
	Fetcher
	// FetchIfModified is Fetch sending prev, the validators of the last
	// fetch of m that was published (zero for none). When the server
	// answers that the input has not changed it returns an error wrapping
	// ErrNotModified at once, without a body and without retrying.
	// Otherwise it behaves as Fetch, with ctx bounding the whole fetch.
	FetchIfModified(ctx context.Context, m civil.Month, dir string, prev Validators) (*Release, error)
}

// ErrPermanent marks errors that retrying will not fix.
var ErrPermanent = errors.New("permanent")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

type permanentError struct{ err error }

func (p permanentError) Error() string   { return p.err.Error() }
func (p permanentError) Unwrap() []error { return []error{p.err, ErrPermanent} }

// ReleaseID names a vintage the source does not date itself: the time it
// was fetched (or dropped in an inbox) and the start of its content hash.
// IDs sort in time order.
func ReleaseID(at time.Time, sha string) string {
	return at.UTC().Format("20060102T150405Z") + "-" + sha[:min(12, len(sha))]
}
