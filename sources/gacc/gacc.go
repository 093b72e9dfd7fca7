package gacc

import (
	"github.com/tradepipe/tradepipe/sources/internal/replay"

	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tradepipe/tradepipe/internal/retry"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/sources"
)

// Name is the source's name in lake paths.
const Name = "gacc"

// Options configure a gacc source. They come from a job's options.
type Options struct {
	// Flow is the flow of detail tables that have no flow column: import
	// (the default) or export.
	Flow string
	// BaseURL is the page the Fetcher polls; {year} and {month} are
	// replaced by the month fetched. Empty for inbox-only jobs.
	BaseURL     string
	Timeout     time.Duration // per request; default 60s
	MaxAttempts int           // default 5
	BaseBackoff time.Duration // default 1s
	MaxBackoff  time.Duration // default 2m
	// RMBPerUSD is the monthly rate table (yuan per US dollar) that lets a
	// download valued in 人民币 be read: each row is converted at the rate
	// of its period's last month, rounded half-even to cents. Without it
	// such a download is refused.
	RMBPerUSD map[civil.Month]apd.Decimal
}

// Source is the gacc source: a Parser for downloaded detail tables and
// saved release pages, and a Fetcher that polls a release page with
// conditional requests.
type Source struct {
	opts   Options
	client *http.Client
	logger *slog.Logger
	// sleep waits between attempts; tests replace it to run instantly.
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a random duration in [0, d); tests fix it.
	jitter func(d time.Duration) time.Duration
	now    func() time.Time
	// Retries counts retried requests and NotModified the 304 answers,
	// for metrics and tests.
	Retries, NotModified int
}

var _ sources.Parser = (*Source)(nil)

// New returns a gacc source. client may be nil for the default client and
// logger nil to discard logs.
func New(opts Options, client *http.Client, logger *slog.Logger) (*Source, error) {
	switch opts.Flow {
	case "":
		opts.Flow = "import"
	case "import", "export":
	default:
		return nil, fmt.Errorf("gacc: flow %q is not import or export", opts.Flow)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 5
	}
	if opts.BaseBackoff == 0 {
		opts.BaseBackoff = time.Second
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 2 * time.Minute
	}
	switch {
	case client == nil && replay.IsFileURL(opts.BaseURL):
		client = replay.Client() // saved pages, offline
	case client == nil:
		client = &http.Client{}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{opts: opts, client: client, logger: logger, sleep: retry.Sleep, jitter: retry.FullJitter, now: time.Now}, nil
}

// Name is the source's name in lake paths.
func (s *Source) Name() string { return Name }

var (
	zipMagic = []byte("PK\x03\x04")
	oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Parse implements sources.Parser. It tells the input's kind by its
// content (the extension is only a hint): xlsx (a zip), legacy xls (OLE2,
// rejected), HTML (a release page, or a detail table saved as HTML), or
// delimited text (CSV/TSV in UTF-8, UTF-16 or GB18030). For a release page
// that states its publication date it sets r.ReleaseID from that date.
func (s *Source) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	return s.parse(ctx, r, e)
}

func (s *Source) parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	if r.Size > MaxInput {
		return sources.Permanent(fmt.Errorf("parse %s: %d bytes, over the %d MiB limit for one GACC input", r.URI, r.Size, MaxInput>>20))
	}
	b, err := r.ReadAll()
	if err != nil {
		return err
	}
	if b, err = gunzipped(b); err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	if len(b) > MaxInput {
		return sources.Permanent(fmt.Errorf("parse %s: inflates to over the %d MiB limit for one GACC input", r.URI, MaxInput>>20))
	}
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return sources.Permanent(fmt.Errorf("parse %s: empty file", r.URI))
	case bytes.HasPrefix(b, zipMagic):
		return s.parseXLSX(ctx, r, e, b)
	case bytes.HasPrefix(b, oleMagic):
		return sources.Permanent(fmt.Errorf("parse %s: legacy Excel 97-2003 (.xls, OLE2) workbook: not supported; save it as .xlsx or .csv", r.URI))
	}
	text, enc, err := decodeText(b)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	if enc != "utf-8" {
		e.Count("decoded_from_"+enc, 1)
	}
	if looksHTML(text) {
		if len(text) > MaxHTML {
			// html.Parse builds a node per tag, about 35 bytes of heap per
			// byte of a table-heavy page (a 50 MB page took 1.7 GB); a
			// release page is under 1 MB.
			return sources.Permanent(fmt.Errorf("parse %s: HTML page of %d bytes, over the %d MiB limit for a release page (memory while parsing is about 35× the page)", r.URI, len(text), MaxHTML>>20))
		}
		return s.parseHTML(ctx, r, e, text)
	}
	rows, err := readDelimited(text)
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: %w", r.URI, err))
	}
	return s.parseDetail(ctx, r, e, table{rows: rows})
}

// Input bounds. MaxInput caps any one input, compressed or inflated:
// online-query downloads of a year of HS-8 × partner detail are tens of
// MB. MaxHTML caps an HTML page, whose DOM costs about 35× its size, so a
// page at the limit takes about 300 MB; GACC's release pages are 20–200 KB.
const (
	MaxInput = 256 << 20
	MaxHTML  = 8 << 20
)

// gunzipped returns b inflated when it starts with the gzip magic (a
// .csv.gz or .html.gz drop), else b; at most MaxInput+1 bytes are inflated.
func gunzipped(b []byte) ([]byte, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxInput+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return out, nil
}

// decodeText returns b as UTF-8 text and the encoding it was in: UTF-8 (a
// BOM is dropped), UTF-16 with a BOM, else GB18030 (a superset of GBK and
// GB2312, what Chinese Excel writes for "CSV").
func decodeText(b []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", "", fmt.Errorf("decode UTF-16: %w", err)
		}
		return string(out), "utf-16", nil
	}
	if utf8.Valid(b) {
		return string(b), "utf-8", nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return "", "", errors.New("text is neither UTF-8 nor GB18030")
	}
	return string(out), "gb18030", nil
}

func looksHTML(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if !strings.HasPrefix(t, "<") {
		return false
	}
	return strings.Contains(t, "<table") || strings.Contains(t, "<html")
}

// readDelimited reads CSV, or TSV/semicolon-separated text when the first
// line has more of those than commas.
func readDelimited(text string) ([][]string, error) {
	first := text
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		first = text[:i]
	}
	comma := ','
	for _, d := range []rune{'\t', ';'} {
		if strings.Count(first, string(d)) > strings.Count(first, string(comma)) {
			comma = d
		}
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var rows [][]string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", delimName(comma), err)
		}
		rows = append(rows, rec)
	}
}

func delimName(c rune) string {
	switch c {
	case '\t':
		return "tab-separated text"
	case ';':
		return "semicolon-separated text"
	}
	return "CSV"
}

// parseXLSX reads the first sheet that holds a detail table.
func (s *Source) parseXLSX(ctx context.Context, r *sources.Release, e sources.Emitter, b []byte) error {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: not a readable xlsx workbook: %w", r.URI, err))
	}
	defer f.Close()
	var tried []string
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return sources.Permanent(fmt.Errorf("parse %s sheet %q: %w", r.URI, sheet, err))
		}
		t := table{sheet: sheet, rows: rows}
		if _, _, err := findHeader(t); err != nil {
			tried = append(tried, fmt.Sprintf("%q: %v", sheet, err))
			continue
		}
		return s.parseDetail(ctx, r, e, t)
	}
	return sources.Permanent(fmt.Errorf("parse %s: no sheet holds a GACC detail table (%s)", r.URI, strings.Join(tried, "; ")))
}

// parseHTML reads a release page (trade_totals) or a detail table saved as
// HTML, as some "xls" downloads are.
func (s *Source) parseHTML(ctx context.Context, r *sources.Release, e sources.Emitter, text string) error {
	doc, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return sources.Permanent(fmt.Errorf("parse %s: HTML: %w", r.URI, err))
	}
	pg := parsePage(doc)
	if len(pg.tables) == 0 {
		return sources.Permanent(fmt.Errorf("parse %s: HTML page has no table", r.URI))
	}
	for _, g := range pg.tables {
		if _, _, err := findHeader(table{rows: g}); err == nil {
			return s.parseDetail(ctx, r, e, table{rows: g})
		}
	}
	var tried []string
	for i, g := range pg.tables {
		if dataStart(g) < 0 {
			tried = append(tried, fmt.Sprintf("table %d: no row names a partner or total", i+1))
			continue
		}
		return s.parseRelease(ctx, r, e, pg, g)
	}
	return sources.Permanent(fmt.Errorf("parse %s: no GACC release or detail table among %d tables (%s)", r.URI, len(pg.tables), strings.Join(tried, "; ")))
}
