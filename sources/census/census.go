package census

import (
	"github.com/tradepipe/tradepipe/sources/internal/replay"

	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// DefaultBaseURL is the Census Bureau's international trade API.
const DefaultBaseURL = "https://api.census.gov/data/timeseries/intltrade"

// Options configure a census source. They come from a job's options.
type Options struct {
	Flow    string // export or import
	Partner string // Schedule C code, e.g. 5700 for China
	Level   string // HS2, HS4, HS6 or HS10
	// Detail are HS prefixes (e.g. 2710, 2711) also fetched at HS10 in the
	// same release, for the Annex 6.1 lines defined below HS6 (naphtha
	// 2710.12.25, other LPG 2711.19.90); the classifier combines the levels
	// without counting a dollar twice.
	Detail []string
	// BaseURL is the API's root; a file:// URL replays saved responses
	// instead: its {year} and {month} are the month's, e.g.
	// file://./examples/census/exports-hs6-5700-{year}-{month}.json.gz.
	BaseURL string
	// APIKey is sent as &key=; it never appears in errors, logs or URIs.
	APIKey      string
	Timeout     time.Duration // per request
	MaxAttempts int
	BaseBackoff time.Duration
	MaxBackoff  time.Duration
}

// Source is the census source: a Parser for saved or fetched responses and
// a Fetcher for the live API.
type Source struct {
	opts   Options
	client *http.Client
	logger *slog.Logger
	// sleep waits between attempts; tests replace it to run instantly.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d); tests fix it.
	jitter func(d time.Duration) time.Duration
	now    func() time.Time
	// Retries counts retried requests, for metrics and tests.
	Retries int
}

var (
	_ sources.Parser  = (*Source)(nil)
	_ sources.Fetcher = (*Source)(nil)

	_ sources.ConditionalFetcher = (*Source)(nil)
)

// New returns a census source. client may be nil for the default client.
func New(opts Options, client *http.Client, logger *slog.Logger) (*Source, error) {
	if opts.Flow != "export" && opts.Flow != "import" {
		return nil, fmt.Errorf("census: flow %q is not export or import", opts.Flow)
	}
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	if opts.Level == "" {
		opts.Level = "HS6"
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 6
	}
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = time.Second
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 2 * time.Minute
	}
	switch {
	case client == nil && replay.IsFileURL(opts.BaseURL):
		client = replay.Client() // saved responses, offline
	case client == nil:
		client = &http.Client{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{
		opts:   opts,
		client: client,
		logger: logger,
		sleep:  retry.Sleep,
		jitter: retry.FullJitter,
		now:    time.Now,
	}, nil
}

// Name is the source's name in lake paths.
func (s *Source) Name() string { return "census" }

// variables are the API variables requested for a flow, in order.
type variables struct {
	commodity, desc, value, qty, unit string
	endpoint                          string
	valuation                         string
}

func varsFor(flow string) variables {
	if flow == "import" {
		// General imports at customs value.
		return variables{"I_COMMODITY", "I_COMMODITY_LDESC", "GEN_VAL_MO", "GEN_QY1_MO", "UNIT_QY1", "imports/hs", "CUSTOMS"}
	}
	return variables{"E_COMMODITY", "E_COMMODITY_LDESC", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "exports/hs", "FAS"}
}

// monthOf parses the API's time column (YYYY-MM).
func monthOf(s string) (civil.Month, error) { return civil.ParseMonth(s) }

// LatestRelease is the newest month whose FT-900 figures are out at now: the
// Census Bureau releases a month about 35 days after it ends.
func LatestRelease(now time.Time) civil.Month {
	return civil.MonthOf(now.UTC().AddDate(0, 0, -35)).AddMonths(-1)
}
