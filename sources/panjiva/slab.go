package panjiva

import (
	"unsafe"

	"github.com/cockroachdb/apd/v3"

	"github.com/tradepipe/tradepipe/internal/schema"
)

// view is b as a string without a copy, for a value parsed on the spot
// (strconv, map lookups) and not kept: b is the sheet's window, which the
// next row overwrites.
func view(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// tableString is a string of the shared strings table as a string, without
// a copy: the table is never written once read, and the string keeps its
// chunk alive, so shipments may hold it after the workbook is closed.
func tableString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// slabs hand out what each shipment needs (the row, its amount, weights,
// code list and copied text) from a few large allocations instead of a
// dozen small ones a row. A slab is only ever appended to within its
// capacity, so what it handed out is never written again; a full one is
// left to the garbage collector, which frees it when the shipments it
// backs are gone (parquet-go copies values into its own buffers).
type slabs struct {
	text   []byte
	ships  []schema.Shipment
	decs   []apd.Decimal
	floats []float64
	codes  []string
}

const (
	slabRows  = 256
	slabText  = 64 << 10
	slabShort = 1 << 10 // longer texts get an allocation of their own
)

// str copies b into the text slab.
func (s *slabs) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > slabShort {
		return string(b)
	}
	if cap(s.text)-len(s.text) < len(b) {
		s.text = make([]byte, 0, slabText)
	}
	start := len(s.text)
	s.text = append(s.text, b...)
	return unsafe.String(&s.text[start], len(b))
}

func (s *slabs) ship() *schema.Shipment {
	if len(s.ships) == cap(s.ships) {
		s.ships = make([]schema.Shipment, 0, slabRows)
	}
	s.ships = s.ships[:len(s.ships)+1]
	return &s.ships[len(s.ships)-1]
}

func (s *slabs) dec(d *apd.Decimal) *apd.Decimal {
	if len(s.decs) == cap(s.decs) {
		s.decs = make([]apd.Decimal, 0, slabRows)
	}
	s.decs = append(s.decs, apd.Decimal{})
	p := &s.decs[len(s.decs)-1]
	p.Set(d)
	return p
}

func (s *slabs) float(f float64) *float64 {
	if len(s.floats) == cap(s.floats) {
		s.floats = make([]float64, 0, 2*slabRows)
	}
	s.floats = append(s.floats, f)
	return &s.floats[len(s.floats)-1]
}

// code is the one-code list of code.
func (s *slabs) code(code string) []string {
	if len(s.codes) == cap(s.codes) {
		s.codes = make([]string, 0, slabRows)
	}
	s.codes = append(s.codes, code)
	n := len(s.codes)
	return s.codes[n-1 : n : n]
}
