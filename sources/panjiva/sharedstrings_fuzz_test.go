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
		ss, err := scanSharedStrings(bytes.NewReader(data), limit)
		if err != nil {
			return
		}
		if int64(len(ss.data))+4*int64(len(ss.off)) > limit+4 {
			t.Fatalf("table of %d bytes and %d strings over the limit", len(ss.data), ss.len())
		}
		for i := range ss.len() {
			_ = ss.at(i)
		}
	})
}
