package panjiva

import (
	"bytes"
	"testing"
)

// FuzzSharedStrings feeds arbitrary XML to the shared strings scanner. It
// must not panic and must keep its memory bound.
func FuzzSharedStrings(f *testing.F) {
	f.Add([]byte(`<sst><si><t>Arrival Date</t></si><si><r><t>HS </t></r><r><t>Code</t></r></si><si/><si><t>a</t><rPh><t>x</t></rPh></si></sst>`))
	f.Add([]byte(`<sst><si </si></sst>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 12
		ss, err := scanSharedStrings(bytes.NewReader(data), limit, int64(len(data)))
		if err != nil {
			return
		}
		if ss.memory() > limit {
			t.Fatalf("table of %d bytes and %d strings over the limit", ss.memory(), ss.len())
		}
		for i := range ss.len() {
			_ = ss.at(i)
		}
	})
}
