package pipeline

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/bits"
	"strconv"
	"strings"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// fingerprint is an order-independent digest of a partition's rows: the
// sum modulo 2^256 of each row's sha256 over its content. Rows may arrive in
// any order (a revised release may sort differently) and still give the
// same value; a changed, added or removed row changes it. Provenance
// (release_id, source_uri, source_sha256, ingested_at, and for rejected rows
// their row number) is left out, so a re-release with the same figures has
// the same fingerprint as the published one.
//
// Version 2 hashes each trade flow over a compact binary form (flowV2)
// instead of its JSON (version 1, flowEnc): a sixth of a Census
// backfill's CPU went to the JSON and the five sha256 blocks it took,
// against two or three now (docs/BENCHMARKS.md). Other records (trade
// totals, rejected rows) are hashed as version 1 did. A digest with trade
// flows is written "v2:" + hex; one without any is the same number under
// both versions and keeps version 1's form, bare hex. A partition
// published with a version-1 digest is compared by computing that digest
// of the new rows once more (legacyContent), so an upgrade republishes
// nothing that did not change.
type fingerprint struct {
	// flows sums the trade flows (version 2), other the other records.
	flows, other [sha256.Size]byte
	nflows       int64
	// unknown is set when a row could not be encoded canonically; the
	// partition then has no fingerprint and is always re-published.
	unknown bool
	// buf is reused between rows for the canonical encoding.
	buf []byte
}

// contentV2 prefixes a version-2 digest.
const contentV2 = "v2:"

// add folds one record into the digest.
func (f *fingerprint) add(rec any) {
	if r, ok := rec.(schema.TradeFlowRecord); ok {
		f.addFlow(&r)
		return
	}
	if f.unknown {
		return
	}
	b, ok := f.canonical(rec)
	if !ok {
		f.unknown = true
		return
	}
	addSum(&f.other, sha256.Sum256(b))
}

// addFlow is add for a trade flow, nearly every row of a lake, without
// boxing the record into an interface (an allocation of the whole struct
// per row) or copying it to the heap.
func (f *fingerprint) addFlow(r *schema.TradeFlowRecord) {
	if f.unknown {
		return
	}
	b, ok := appendFlowV2(f.buf[:0], r)
	f.buf = b[:0]
	if !ok {
		f.unknown = true
		return
	}
	f.nflows++
	addSum(&f.flows, sha256.Sum256(b))
}

// addSum adds h to sum, modulo 2^256 (big-endian, as the bytes were
// always added).
func addSum(sum *[sha256.Size]byte, h [sha256.Size]byte) {
	var carry uint64
	for i := len(sum) - 8; i >= 0; i -= 8 {
		var s uint64
		s, carry = bits.Add64(binary.BigEndian.Uint64(sum[i:]), binary.BigEndian.Uint64(h[i:]), carry)
		binary.BigEndian.PutUint64(sum[i:], s)
	}
}

// hex returns the digest, or "" when it is unknown.
func (f *fingerprint) hex() string {
	if f.unknown {
		return ""
	}
	if f.nflows == 0 {
		return hex.EncodeToString(f.other[:])
	}
	return contentV2 + f.withOther(f.flows)
}

// withOther is the hex of flows plus the other records' sum.
func (f *fingerprint) withOther(flows [sha256.Size]byte) string {
	addSum(&flows, f.other)
	return hex.EncodeToString(flows[:])
}

// withFlowsV1 returns the version-1 digest of the same rows, given the
// version-1 sum of its trade flows (flowSumV1); "" when it is unknown.
func (f *fingerprint) withFlowsV1(flows *flowSumV1) string {
	if f.unknown || flows.unknown {
		return ""
	}
	return f.withOther(flows.sum)
}

// isV1Content says digest is in version 1's form.
func isV1Content(digest string) bool {
	return len(digest) == 2*sha256.Size && !strings.HasPrefix(digest, contentV2)
}

// appendFlowV2 appends the version-2 form of r's content to b: a 0 byte
// and "F2" (no version-1 tag starts with 0), then every field but the
// provenance, in the record's order, strings as their length and bytes,
// integers as varints, a present byte (0 or 1) before each optional
// field, and the quantity's IEEE bits. Each field's length is known from
// its bytes, so two different rows never give the same bytes. False for
// a NaN or infinite quantity, which leaves the partition without a
// fingerprint as in version 1.
func appendFlowV2(b []byte, r *schema.TradeFlowRecord) ([]byte, bool) {
	b = append(b, 0, 'F', '2')
	b = binary.AppendVarint(b, int64(r.Period))
	b = appendStrV2(b, r.Reporter)
	b = appendStrV2(b, r.Partner)
	b = appendStrV2(b, r.Flow)
	b = appendStrV2(b, r.HSCode)
	b = binary.AppendVarint(b, int64(r.HSLevel))
	b = appendOptStrV2(b, r.Description)
	b = binary.AppendVarint(b, r.ValueUSD)
	if r.ConsumptionValueUSD == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendVarint(append(b, 1), *r.ConsumptionValueUSD)
	}
	if r.Quantity == nil {
		b = append(b, 0)
	} else {
		q := *r.Quantity
		if math.IsNaN(q) || math.IsInf(q, 0) {
			return b, false
		}
		b = binary.BigEndian.AppendUint64(append(b, 1), math.Float64bits(q))
	}
	b = appendOptStrV2(b, r.QuantityUnit)
	b = appendStrV2(b, r.Valuation)
	b = binary.AppendVarint(b, int64(r.CoversMonths))
	b = appendOptStrV2(b, r.CustomsRegime)
	b = appendOptStrV2(b, r.RegisteredPlace)
	return appendStrV2(b, r.Source), true
}

func appendStrV2(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendOptStrV2(b []byte, s *string) []byte {
	if s == nil {
		return append(b, 0)
	}
	return appendStrV2(append(b, 1), *s)
}

// canonical encodes a record other than a trade flow without its
// provenance, as version 1 did. A tag per record type keeps a rejected row
// from ever matching a data row. JSON of a struct is deterministic (field
// order, shortest float form); it fails only for NaN or infinite
// quantities, which then leave the partition without a fingerprint.
func (f *fingerprint) canonical(rec any) ([]byte, bool) {
	var tag string
	var v any
	switch r := rec.(type) {
	case schema.TradeTotalRecord:
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt = "", "", "", 0
		tag, v = "trade_total\n", r
	case schema.QuarantineRecord:
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt, r.Row = "", "", "", 0, 0
		tag, v = "rejected\n", r
	default:
		return nil, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	return append([]byte(tag), b...), true
}

// flowSumV1 is the version-1 sum of trade flows: sha256("trade_flow\n" +
// json.Marshal of the row without its provenance), which flowEnc encodes
// without reflection. Only a partition published with a version-1
// digest needs it (legacyContent).
type flowSumV1 struct {
	sum     [sha256.Size]byte
	unknown bool
	enc     flowEnc
	buf     []byte
}

func (s *flowSumV1) add(r *schema.TradeFlowRecord) {
	if s.unknown {
		return
	}
	c := *r // on the stack: flowEnc keeps no pointer
	c.ReleaseID, c.SourceURI, c.SourceSHA256, c.IngestedAt = "", "", "", 0
	b, ok := s.enc.append(append(s.buf[:0], "trade_flow\n"...), &c)
	s.buf = b[:0]
	if !ok {
		s.unknown = true
		return
	}
	addSum(&s.sum, sha256.Sum256(b))
}

// flowEnc appends a trade flow as json.Marshal encodes it. The fields
// that repeat from row to row of a partition (its period, flow and source
// are the partition's; the fingerprint's provenance is always empty) are
// kept encoded in three runs, head, mid and tail, each encoded again only
// when one of its values changes.
type flowEnc struct {
	head     []byte // {"Period":…,"Reporter":…,"Partner":
	period   int32
	reporter string
	mid      []byte // ,"Flow":…,"HSCode":
	flow     string
	tail     []byte // ,"Source":… to the closing brace
	source   string
	prov     [3]string // release id, source URI, source sha256
	ingested int64
	// plainDesc is the last description found to need no JSON escapes.
	plainDesc string
}

// append appends json.Marshal(*r) to b; false for a NaN or infinite
// quantity, which json.Marshal refuses.
func (e *flowEnc) append(b []byte, r *schema.TradeFlowRecord) ([]byte, bool) {
	if len(e.head) == 0 || r.Period != e.period || r.Reporter != e.reporter {
		e.period, e.reporter = r.Period, r.Reporter
		e.head = strconv.AppendInt(append(e.head[:0], `{"Period":`...), int64(r.Period), 10)
		e.head = append(appendField(e.head, `,"Reporter":`, r.Reporter), `,"Partner":`...)
	}
	if len(e.mid) == 0 || r.Flow != e.flow {
		e.flow = r.Flow
		e.mid = append(appendField(e.mid[:0], `,"Flow":`, r.Flow), `,"HSCode":`...)
	}
	if prov := [3]string{r.ReleaseID, r.SourceURI, r.SourceSHA256}; len(e.tail) == 0 || r.Source != e.source ||
		prov != e.prov || r.IngestedAt != e.ingested {
		e.source, e.prov, e.ingested = r.Source, prov, r.IngestedAt
		t := appendField(e.tail[:0], `,"Source":`, r.Source)
		t = appendField(t, `,"ReleaseID":`, r.ReleaseID)
		t = appendField(t, `,"SourceURI":`, r.SourceURI)
		t = appendField(t, `,"SourceSHA256":`, r.SourceSHA256)
		t = strconv.AppendInt(append(t, `,"IngestedAt":`...), r.IngestedAt, 10)
		e.tail = append(t, '}')
	}
	b = appendString(append(b, e.head...), r.Partner)
	b = appendString(append(b, e.mid...), r.HSCode)
	b = append(b, `,"HSLevel":`...)
	b = strconv.AppendInt(b, int64(r.HSLevel), 10)
	if d := r.Description; d != nil && (*d == e.plainDesc || isPlainJSON(*d)) {
		e.plainDesc = *d
		b = append(append(append(b, `,"Description":"`...), *d...), '"')
	} else {
		b = appendOptional(b, `,"Description":`, d)
	}
	b = append(b, `,"ValueUSD":`...)
	b = strconv.AppendInt(b, r.ValueUSD, 10)
	if r.ConsumptionValueUSD != nil { // omitempty
		b = append(b, `,"ConsumptionValueUSD":`...)
		b = strconv.AppendInt(b, *r.ConsumptionValueUSD, 10)
	}
	b = append(b, `,"Quantity":`...)
	if r.Quantity == nil {
		b = append(b, "null"...)
	} else {
		q := *r.Quantity
		if math.IsNaN(q) || math.IsInf(q, 0) {
			return b, false
		}
		b = appendFloat(b, q)
	}
	b = appendOptional(b, `,"QuantityUnit":`, r.QuantityUnit)
	b = appendField(b, `,"Valuation":`, r.Valuation)
	b = append(b, `,"CoversMonths":`...)
	b = strconv.AppendInt(b, int64(r.CoversMonths), 10)
	if r.CustomsRegime != nil { // omitempty
		b = appendOptional(b, `,"CustomsRegime":`, r.CustomsRegime)
	}
	if r.RegisteredPlace != nil {
		b = appendOptional(b, `,"RegisteredPlace":`, r.RegisteredPlace)
	}
	return append(b, e.tail...), true
}

func appendOptional(b []byte, name string, s *string) []byte {
	if s == nil {
		return append(append(b, name...), "null"...)
	}
	return appendField(b, name, *s)
}

// appendField appends name and s as a JSON string (appendString).
func appendField(b []byte, name, s string) []byte {
	return appendString(append(b, name...), s)
}

// appendString appends s as a JSON string. Printable ASCII other than
// " \\ < > & is copied; anything else goes through json.Marshal, so its
// escapes are exactly encoding/json's.
func appendString(b []byte, s string) []byte {
	if !isPlainJSON(s) {
		q, _ := json.Marshal(s) // a string always encodes
		return append(b, q...)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// isPlainJSON says encoding/json copies s as it is between its quotes.
func isPlainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainJSON[s[i]] {
			return false
		}
	}
	return true
}

// plainJSON marks the bytes encoding/json copies into a string as they
// are: printable ASCII other than " \\ < > &.
var plainJSON = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendFloat is encoding/json's float64 form: shortest digits, exponent
// only below 1e-6 or from 1e21, and e-09 written e-9.
func appendFloat(b []byte, f float64) []byte {
	// Most quantities are whole (counts, kilograms). Below 2^53 every
	// integer is a float64, so the shortest digits of an integral one are
	// its integer's: AppendInt gives them without strconv's search. -0 is
	// "-0" to encoding/json and is left to the general path.
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 && (f != 0 || !math.Signbit(f)) {
		return strconv.AppendInt(b, int64(f), 10)
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
