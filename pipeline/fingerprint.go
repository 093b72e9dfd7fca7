package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// fingerprint is an order-independent digest of a partition's rows: the
// sum modulo 2^256 of each row's sha256 over its content. Rows may arrive in
// any order (a revised release may sort differently) and still give the
// same value; a changed, added or removed row changes it. Provenance
// (release_id, source_uri, source_sha256, ingested_at, and for rejected rows
// their row number) is left out, so a re-release with the same figures has
// the same fingerprint as the published one.
type fingerprint struct {
	sum [sha256.Size]byte
	// unknown is set when a row could not be encoded canonically; the
	// partition then has no fingerprint and is always re-published.
	unknown bool
}

// add folds one record into the digest.
func (f *fingerprint) add(rec any) {
	if f.unknown {
		return
	}
	b, ok := canonical(rec)
	if !ok {
		f.unknown = true
		return
	}
	h := sha256.Sum256(b)
	var carry uint16
	for i := len(f.sum) - 1; i >= 0; i-- {
		s := uint16(f.sum[i]) + uint16(h[i]) + carry
		f.sum[i] = byte(s)
		carry = s >> 8
	}
}

// hex returns the digest, or "" when it is unknown.
func (f *fingerprint) hex() string {
	if f.unknown {
		return ""
	}
	return hex.EncodeToString(f.sum[:])
}

// canonical encodes a record's content without its provenance. A tag per
// record type keeps a rejected row from ever matching a data row. JSON of a
// struct is deterministic (field order, shortest float form); it fails only
// for NaN or infinite quantities, which then leave the partition without a
// fingerprint.
func canonical(rec any) ([]byte, bool) {
	var tag string
	var v any
	switch r := rec.(type) {
	case schema.TradeFlowRecord:
		r.ReleaseID, r.SourceURI, r.SourceSHA256, r.IngestedAt = "", "", "", 0
		tag, v = "trade_flow\n", r
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
