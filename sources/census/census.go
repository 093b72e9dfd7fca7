package census

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/retry"
	"github.com/tradepipe/tradepipe/sources"
	"github.com/tradepipe/tradepipe/sources/internal/replay"
)

// DefaultBaseURL is the Census Bureau's international trade API.
const DefaultBaseURL = "https://api.census.gov/data/timeseries/intltrade"

// Options configure a census source. They come from a job's options.
type Options struct {
	Flow string // export or import
	// Partner is one Schedule C code, e.g. 5700 for China; Partners a list
	// of them (one request each); AllPartners one request per month with
	// no CTY_CODE, every partner the API answers for. Exactly one of the
	// three is set. The API's country groupings (GroupCode) never land as
	// partners, and rows of partners the job does not cover are dropped
	// (both counted in the manifest's counters).
	Partner     string
	Partners    []string
	AllPartners bool
	Level       string // HS2, HS4, HS6 or HS10
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
	// Now dates fetches (and so release ids); nil is time.Now.
	Now func() time.Time
}

var _ sources.PartnerScoped = (*Source)(nil)

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
	// codes are the Schedule C codes of the job, sorted; nil for all.
	codes []string
	want  map[string]bool
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
	codes, err := partnerCodes(opts)
	if err != nil {
		return nil, err
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
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var want map[string]bool
	if codes != nil {
		want = map[string]bool{}
		for _, c := range codes {
			want[c] = true
		}
	}
	return &Source{
		codes:  codes,
		want:   want,
		opts:   opts,
		client: client,
		logger: logger,
		sleep:  retry.Sleep,
		jitter: retry.FullJitter,
		now:    now,
	}, nil
}

// Name is the source's name in lake paths.
func (s *Source) Name() string { return "census" }

// partnerCodes returns the job's Schedule C codes, sorted, or nil for all
// partners.
func partnerCodes(o Options) ([]string, error) {
	n := 0
	for _, set := range []bool{o.Partner != "", len(o.Partners) > 0, o.AllPartners} {
		if set {
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("census: give exactly one of Partner, Partners, AllPartners (got %d)", n)
	}
	if o.AllPartners {
		return nil, nil
	}
	codes := o.Partners
	if o.Partner != "" {
		codes = []string{o.Partner}
	}
	codes = slices.Clone(codes)
	slices.Sort(codes)
	for i, c := range codes {
		if _, ok := reference.ScheduleC(c); !ok {
			return nil, fmt.Errorf("census: partner %q is not a Schedule C country code", c)
		}
		if i > 0 && codes[i-1] == c {
			return nil, fmt.Errorf("census: partner %q given twice", c)
		}
	}
	return codes, nil
}

// FileGroup is the name of the file a release of this source writes in
// each trade_flows month: the partners' identity, so jobs for different
// partners keep their files side by side in one partition, and one job's
// release replaces only its own file (ARCHITECTURE.md, "partners in the
// lake"). partner-CN for one partner, partners-CN-HK for a few (ISO
// codes sorted), partners-<n>-<hash> for more than eight, partners-all.
func (s *Source) FileGroup() string {
	iso := s.Partners()
	switch {
	case iso == nil:
		return groupAll
	case len(iso) == 1:
		return groupOne + iso[0]
	case len(iso) <= maxNamedPartners:
		return groupFew + strings.Join(iso, "-")
	}
	sum := sha256.Sum256([]byte(strings.Join(iso, ",")))
	return fmt.Sprintf("%s%d-%s", groupFew, len(iso), hex.EncodeToString(sum[:4]))
}

// The names of FileGroup, read back by GroupPartners.
const (
	groupAll         = "partners-all"
	groupOne         = "partner-"
	groupFew         = "partners-"
	maxNamedPartners = 8
)

// GroupPartners reads the partners from a group name FileGroup gives (by
// any job, of any partner set): nil for partners-all, the ISO codes of
// partner-CN or partners-CN-HK. ok is false for a hashed name
// (partners-<n>-<hash>, more than eight partners) and for names
// FileGroup does not give, such as part-00000 of the layout before
// partners were in the file identity.
func (s *Source) GroupPartners(group string) ([]string, bool) {
	if group == groupAll {
		return nil, true
	}
	var codes []string
	if code, ok := strings.CutPrefix(group, groupOne); ok {
		codes = []string{code}
	} else if rest, ok := strings.CutPrefix(group, groupFew); ok {
		codes = strings.Split(rest, "-")
	}
	if len(codes) == 0 || len(codes) > maxNamedPartners {
		return nil, false
	}
	for _, c := range codes {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			return nil, false
		}
	}
	return codes, true
}

// Partners returns the ISO codes of the partners the source covers,
// sorted; nil means every partner.
func (s *Source) Partners() []string {
	if s.codes == nil {
		return nil
	}
	out := make([]string, len(s.codes))
	for i, c := range s.codes {
		country, _ := reference.ScheduleC(c)
		out[i] = country.ISO2
	}
	slices.Sort(out)
	return out
}

// GroupCode reports whether a CTY_CODE is one of the API's country
// groupings rather than a country: an answer without a CTY_CODE predicate
// also carries the total (CTY_CODE "-"), the groupings 0001–0099 (0003
// European Union, 0014 Pacific Rim, 0020 USMCA, ...) and the continent
// totals 1XXX–7XXX. Schedule C country codes are four digits from 1000.
func GroupCode(code string) bool {
	switch {
	case code == "-":
		return true
	case len(code) == 4 && strings.HasPrefix(code, "00"):
		return true
	case len(code) == 4 && code[1:] == "XXX":
		return true
	}
	return false
}

// variables are the API variables requested for a flow, in order.
type variables struct {
	commodity, desc, value, qty, unit string
	// consumption is the second value of imports (CON_VAL_MO, imports for
	// consumption); empty for exports.
	consumption string
	endpoint    string
	valuation   string
}

func varsFor(flow string) variables {
	if flow == "import" {
		// General imports (value_usd) and imports for consumption
		// (consumption_value_usd), both at customs value.
		return variables{"I_COMMODITY", "I_COMMODITY_LDESC", "GEN_VAL_MO", "GEN_QY1_MO", "UNIT_QY1", "CON_VAL_MO", "imports/hs", "CUSTOMS"}
	}
	return variables{"E_COMMODITY", "E_COMMODITY_LDESC", "ALL_VAL_MO", "QTY_1_MO", "UNIT_QY1", "", "exports/hs", "FAS"}
}

// get lists the variables of the get= parameter.
func (v variables) get() []string {
	out := []string{v.commodity, v.desc, v.value, v.qty, v.unit}
	if v.consumption != "" {
		out = append(out, v.consumption)
	}
	return out
}

// monthOf parses the API's time column (YYYY-MM).
func monthOf(s string) (civil.Month, error) { return civil.ParseMonth(s) }

// LatestRelease is the newest month whose FT-900 figures are out at now: the
// Census Bureau releases a month about 35 days after it ends.
func LatestRelease(now time.Time) civil.Month {
	return civil.MonthOf(now.UTC().AddDate(0, 0, -35)).AddMonths(-1)
}
