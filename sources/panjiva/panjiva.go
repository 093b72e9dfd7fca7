package panjiva

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/civil"
	"github.com/tradepipe/tradepipe/internal/reference"
	"github.com/tradepipe/tradepipe/internal/schema"
	"github.com/tradepipe/tradepipe/sources"
)

// Name is the source's name in lake paths.
const Name = "panjiva"

// Counter names recorded in the manifests.
const (
	CounterFROBDropped    = "frob_dropped"    // FROB rows left out
	CounterUnknownColumns = "unknown_columns" // header cells that map to no field
	CounterSheetsSkipped  = "sheets_skipped"  // sheets without a recognisable header
)

// Options configure the source.
type Options struct {
	// Aliases maps extra header texts to field names (see FieldNames); they
	// win over the built-in aliases.
	Aliases map[string]string
	// CountryAliases maps extra country names to ISO 3166-1 alpha-2 codes.
	CountryAliases map[string]string
	// HeaderSearchRows is how many rows from the top of a sheet may hold
	// the header; default 30.
	HeaderSearchRows int
	// Limits guard against zip bombs and bound memory; zero fields take
	// the defaults (DefaultUnzipSizeLimit, DefaultUnzipXMLSizeLimit,
	// DefaultMaxCompressionRatio, DefaultSharedStringsMemory).
	Limits Limits
}

// Source parses Panjiva-style .xlsx exports.
type Source struct {
	opts      Options
	aliases   aliasTable
	countries map[string]string // CountryKey → ISO2, from CountryAliases
	logger    *slog.Logger
}

var _ sources.Parser = (*Source)(nil)

// New returns the source. logger may be nil.
func New(opts Options, logger *slog.Logger) (*Source, error) {
	t, err := newAliasTable(opts.Aliases)
	if err != nil {
		return nil, fmt.Errorf("panjiva: %w", err)
	}
	countries := map[string]string{}
	for name, code := range opts.CountryAliases {
		if _, ok := reference.ISO2(code); !ok || len(code) != 2 || strings.ToUpper(code) != code {
			return nil, fmt.Errorf("panjiva: country alias %q: %q is not an ISO 3166-1 alpha-2 code", name, code)
		}
		countries[reference.CountryKey(name)] = code
	}
	if opts.HeaderSearchRows <= 0 {
		opts.HeaderSearchRows = 30
	}
	opts.Limits = opts.Limits.withDefaults()
	if opts.Limits.UnzipXMLSizeLimit > opts.Limits.UnzipSizeLimit {
		return nil, errors.New("panjiva: UnzipXMLSizeLimit exceeds UnzipSizeLimit")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Source{opts: opts, aliases: t, countries: countries, logger: logger}, nil
}

// errStopSheet ends a sheet's stream early (no header near the top).
var errStopSheet = errors.New("stop sheet")

// Parse implements sources.Parser. Whole-file problems (not a workbook,
// encrypted, zip bomb, no header, a required column missing) are returned
// wrapped with sources.Permanent; ctx.Err() on cancellation.
func (s *Source) Parse(ctx context.Context, r *sources.Release, e sources.Emitter) error {
	wb, err := openWorkbook(r.Path, s.opts.Limits)
	if err != nil {
		return sources.Permanent(fmt.Errorf("read %s: %w", r.URI, err))
	}
	defer wb.Close()
	// The workbook is read in a goroutine; this one feeds the emitter.
	a := newAsyncEmitter()
	done := make(chan error, 1)
	go func() {
		var err error
		// A panic here would kill the process whatever the caller
		// recovers, so it becomes this input's permanent error.
		defer func() {
			if v := recover(); v != nil {
				err = sources.Permanent(fmt.Errorf("read %s: internal error (panic: %v); the input is refused", r.URI, v))
			}
			a.close()
			done <- err
		}()
		err = s.read(ctx, wb, r, a)
	}()
	emitErr := a.drain(e)
	readErr := <-done
	wb.release()
	if emitErr != nil {
		return emitErr
	}
	return readErr
}

// read reads every sheet of wb into e.
func (s *Source) read(ctx context.Context, wb *workbook, r *sources.Release, e *asyncEmitter) error {
	var withHeader int
	var tops []string
	for _, sh := range wb.sheets {
		p := &sheetRows{src: s, wb: wb, rel: r, e: e, sheet: sh.name, cache: newCaches(),
			provValid: utf8.ValidString(r.URI) && utf8.ValidString(r.SHA256) && utf8.ValidString(sh.name)}
		err := wb.streamSheet(ctx, sh, p.row, &p.read)
		if err != nil && !errors.Is(err, errStopSheet) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var perm *permanentErr
			if errors.As(err, &perm) {
				return sources.Permanent(fmt.Errorf("read %s: sheet %q: %w", r.URI, sh.name, perm.err))
			}
			if p.emitErr != nil || errors.Is(err, errEmitterStopped) {
				return err // the emitter's own failure: spool disk, ctx
			}
			return sources.Permanent(fmt.Errorf("read %s: sheet %q: %w", r.URI, sh.name, err))
		}
		p.flushCounts()
		if p.h == nil {
			e.Count(CounterSheetsSkipped, 1)
			e.Warn(fmt.Sprintf("sheet %q: no header row in its first %d rows; skipped", sh.name, s.opts.HeaderSearchRows))
			tops = append(tops, fmt.Sprintf("%q (first rows: %s)", sh.name, strings.Join(p.top, " | ")))
			continue
		}
		withHeader++
		s.logger.Debug("sheet read", "input", r.URI, "sheet", sh.name, "header_row", p.h.row, "rows", p.rows)
	}
	if withHeader == 0 {
		return sources.Permanent(fmt.Errorf("read %s: no sheet has a recognisable header row (at least three of Arrival Date, HS Code, Value of Goods (USD), Consignee, ...) in its first %d rows; sheets: %s",
			r.URI, s.opts.HeaderSearchRows, strings.Join(tops, "; ")))
	}
	return nil
}

// permanentErr marks a problem found while streaming that condemns the
// whole file (a required column missing).
type permanentErr struct{ err error }

func (p *permanentErr) Error() string { return p.err.Error() }

// caches remember normalised values of repeated cells, so a port or a
// shipper named a million times is one string.
type caches struct {
	country map[string]countryHit
	text    [numFields]map[string]string
}

type countryHit struct {
	iso string
	ok  bool
}

// maxCached bounds each cache's entries and maxCachedKey the cells cached:
// repeated names are short, and caching long cells would let a workbook of
// distinct 128 KiB cells hold gigabytes here.
const (
	maxCached    = 1 << 16
	maxCachedKey = 256
)

func newCaches() *caches {
	c := &caches{country: map[string]countryHit{}}
	for _, f := range []field{fieldShipper, fieldConsignee, fieldPortOfLading, fieldPortOfUnlading, fieldHSCode} {
		c.text[f] = map[string]string{}
	}
	return c
}

// sheetRows turns one sheet's rows into shipments and rejects.
type sheetRows struct {
	src     *Source
	wb      *workbook
	rel     *sources.Release
	e       *asyncEmitter
	sheet   string
	h       *header
	top     []string // texts of the first rows, for the no-header error
	cache   *caches
	rows    int64
	frob    int64
	emitErr error
	slab    slabs
	// UTF-8 of the shipment being built (sources.CheckedEmitter): valid
	// until keep meets a string it cannot vouch for; provValid is the
	// release's URI and sha256 and the sheet's name, checked once.
	// sharedUTF8 has two bits a shared string (checked, valid), so each
	// is checked once however many rows use it. A cached text is valid:
	// invalid ones are not cached.
	valid      bool
	provValid  bool
	sharedUTF8 []uint64
	// read marks the columns a field reads, once the header is known;
	// the sheet parser leaves the others undecoded (cell.lazy).
	read []bool
}

func (p *sheetRows) flushCounts() {
	if p.frob > 0 {
		p.e.Count(CounterFROBDropped, p.frob)
		p.frob = 0
	}
}

func (p *sheetRows) row(n int, cells []cell) error {
	if p.h == nil {
		return p.findHeader(n, cells)
	}
	err := p.shipment(n, cells)
	if err != nil {
		p.emitErr = err
	}
	return err
}

func (p *sheetRows) findHeader(n int, cells []cell) error {
	if n > p.src.opts.HeaderSearchRows {
		return errStopSheet
	}
	h, ok := p.src.aliases.matchHeader(n, cells)
	if !ok {
		if len(p.top) < 3 {
			if t := strings.Join(strings.Fields(strings.Join(h.names, " ")), " "); t != "" {
				p.top = append(p.top, fmt.Sprintf("%.60q", t))
			}
		}
		return nil
	}
	if m := h.missing(); len(m) > 0 {
		return &permanentErr{fmt.Errorf("header row %d lacks required column(s) %s; headers found: %s", n, strings.Join(m, ", "), h.found())}
	}
	p.h = h
	read := make([]bool, len(cells))
	for _, c := range h.col {
		if c >= 0 && c < len(read) {
			read[c] = true
		}
	}
	p.read = read
	if len(h.unknown) > 0 {
		p.e.Count(CounterUnknownColumns, int64(len(h.unknown)))
		shown := h.unknown[:min(len(h.unknown), 20)]
		p.e.Warn(fmt.Sprintf("sheet %q: %d column(s) not in the schema: %s", p.sheet, len(h.unknown), strings.Join(shown, ", ")))
	}
	return nil
}

func (p *sheetRows) at(cells []cell, f field) cell {
	i := p.h.col[f]
	if i < 0 || i >= len(cells) {
		return cell{}
	}
	return cells[i]
}

func (p *sheetRows) text(cells []cell, f field) string {
	c := p.at(cells, f)
	if isNull(c) {
		return ""
	}
	return p.keep(f, c.v, c.shared, c.ao)
}

// keep returns v, trimmed, as a string that outlives the row: the shared
// strings table's own bytes (idx is the string's index), a cached copy of
// a repeated value, or a copy in the text slab. It clears p.valid when the
// string is not valid UTF-8.
func (p *sheetRows) keep(f field, v []byte, shared bool, idx int32) string {
	t := bytes.TrimSpace(v)
	if shared {
		p.checkShared(t, idx)
		return tableString(t)
	}
	m := p.cache.text[f]
	if m == nil {
		return p.slabStr(t)
	}
	if s, ok := m[string(v)]; ok {
		return s
	}
	if len(m) >= maxCached || len(v) > maxCachedKey {
		return p.slabStr(t)
	}
	if !utf8.Valid(t) {
		p.valid = false
		return p.slab.str(t)
	}
	// A cached value gets its own allocation: one in a slab would keep
	// the whole slab alive as long as the cache.
	s := string(t)
	m[string(v)] = s
	return s
}

func (p *sheetRows) slabStr(t []byte) string {
	if p.valid && !utf8.Valid(t) {
		p.valid = false
	}
	return p.slab.str(t)
}

// checkShared clears p.valid when t, trimmed shared string idx, is not
// valid UTF-8, checking each string of the table once.
func (p *sheetRows) checkShared(t []byte, idx int32) {
	if p.sharedUTF8 == nil {
		p.sharedUTF8 = make([]uint64, (2*p.wb.shared.len()+63)/64)
	}
	i := 2 * uint(idx)
	w, b := i/64, i%64
	st := p.sharedUTF8[w] >> b & 3
	if st == 0 {
		st = 1
		if utf8.Valid(t) {
			st = 3
		}
		p.sharedUTF8[w] |= st << b
	}
	if st != 3 {
		p.valid = false
	}
}

// hsCodes reads the HS code cell, without allocating for a clean code.
func (p *sheetRows) hsCodes(c cell) ([]string, error) {
	if c.kind == kindText || c.kind == kindNumber {
		if t := bytes.TrimSpace(c.v); isHSDigits(view(t)) {
			return p.slab.code(p.keep(fieldHSCode, t, c.shared, c.ao)), nil
		}
	}
	return parseHSCodes(c)
}

func (p *sheetRows) country(cells []cell, f field) (string, error) {
	c := p.at(cells, f)
	if isNull(c) {
		return "", nil
	}
	if hit, ok := p.cache.country[string(c.v)]; ok {
		if !hit.ok {
			return "", fmt.Errorf("%q is not a known country", c.v)
		}
		return hit.iso, nil
	}
	raw := string(c.v)
	iso, ok := p.src.countries[reference.CountryKey(raw)]
	if !ok {
		iso, ok = reference.ISO2(raw)
	}
	if len(p.cache.country) < maxCached && len(raw) <= maxCachedKey {
		p.cache.country[raw] = countryHit{iso, ok}
	}
	if !ok {
		return "", fmt.Errorf("%q is not a known country", raw)
	}
	return iso, nil
}

func (p *sheetRows) shipment(n int, cells []cell) error {
	blank := true
	for _, c := range cells {
		if !isNull(p.wb.resolve(c)) {
			blank = false
			break
		}
	}
	if blank {
		return nil
	}
	if p.h.col[fieldFROB] >= 0 && isFROB(p.at(cells, fieldFROB)) {
		p.frob++
		return nil
	}
	reject := func(code string, f field, target *civil.Month, err error) error {
		rj := &schema.Rejected{
			Dataset: schema.DatasetShipments, ReasonCode: code, Field: fieldNames[f],
			Reason: fmt.Sprintf("%s: %v", fieldNames[f], err),
			Sheet:  p.sheet, Row: int64(n), RawCells: p.rawCells(cells),
			Source: Name, ReleaseID: p.rel.ReleaseID, SourceURI: p.rel.URI, SHA256: p.rel.SHA256,
		}
		if target != nil {
			rj.Target = schema.ShipmentPartition(Name, *target)
			rj.Period = *target
		}
		return p.e.Reject(rj)
	}
	date, ok, err := parseDate(p.at(cells, fieldShipmentDate), p.wb.date1904)
	if err == nil && !ok {
		err = errors.New("empty")
	}
	if err != nil {
		return reject(schema.ReasonBadDate, fieldShipmentDate, nil, err)
	}
	month := date.MonthOf()
	codes, err := p.hsCodes(p.at(cells, fieldHSCode))
	if err != nil {
		return reject(schema.ReasonBadHSCode, fieldHSCode, &month, err)
	}
	var dec apd.Decimal
	var value *apd.Decimal
	if ok, err := parseValueInto(p.at(cells, fieldValueUSD), &dec); err != nil {
		return reject(schema.ReasonBadValue, fieldValueUSD, &month, err)
	} else if ok {
		value = p.slab.dec(&dec)
	}
	var weight *float64
	if w, ok, err := parseFloat(p.at(cells, fieldWeightKg), "kgs", "kg"); err != nil {
		return reject(schema.ReasonBadWeight, fieldWeightKg, &month, err)
	} else if ok {
		weight = p.slab.float(w)
	}
	if weight == nil {
		if w, ok, err := parseFloat(p.at(cells, fieldWeightT), "mt", "t"); err != nil {
			return reject(schema.ReasonBadWeight, fieldWeightT, &month, err)
		} else if ok {
			weight = p.slab.float(w * 1000)
		}
	}
	var teu *float64
	if v, ok, err := parseFloat(p.at(cells, fieldTEU), "teu"); err != nil {
		return reject(schema.ReasonBadQuantity, fieldTEU, &month, err)
	} else if ok {
		teu = p.slab.float(v)
	}
	origin, err := p.country(cells, fieldOrigin)
	if err != nil {
		return reject(schema.ReasonBadCountry, fieldOrigin, &month, err)
	}
	dest, err := p.country(cells, fieldDestination)
	if err != nil {
		return reject(schema.ReasonBadCountry, fieldDestination, &month, err)
	}
	p.rows++
	// Countries (ISO codes from tables) and HS codes (digits) are ASCII;
	// the texts clear p.valid through keep.
	p.valid = p.provValid
	sh := p.slab.ship()
	*sh = schema.Shipment{
		ShipmentDate:       date,
		BillOfLading:       p.text(cells, fieldBillOfLading),
		Shipper:            p.text(cells, fieldShipper),
		Consignee:          p.text(cells, fieldConsignee),
		OriginCountry:      origin,
		DestinationCountry: dest,
		PortOfLading:       p.text(cells, fieldPortOfLading),
		PortOfUnlading:     p.text(cells, fieldPortOfUnlading),
		HSCode:             codes[0],
		HSCodes:            codes,
		GoodsDescription:   p.text(cells, fieldGoods),
		ValueUSD:           value,
		WeightKg:           weight,
		TEU:                teu,
		Source:             Name,
		SourceURI:          p.rel.URI,
		SourceSHA256:       p.rel.SHA256,
		Sheet:              p.sheet,
		SourceRow:          int64(n),
	}
	if p.valid {
		return p.e.shipmentValidUTF8(sh)
	}
	return p.e.Shipment(sh)
}

// rawCells is the row as text, for quarantine.
func (p *sheetRows) rawCells(cells []cell) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		c = p.wb.resolve(c)
		switch c.kind {
		case kindEmpty:
		case kindBool:
			if string(c.v) == "1" {
				out[i] = "TRUE"
			} else {
				out[i] = "FALSE"
			}
		default:
			out[i] = string(c.v)
		}
	}
	return out
}
