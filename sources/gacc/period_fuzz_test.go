package gacc

import "testing"

// FuzzGACCPeriod reads arbitrary period texts (201701, 2020年1-2月, ...).
func FuzzGACCPeriod(f *testing.F) {
	for _, s := range []string{"201701", "2017-01", "2020年1-2月", "2020年1月", "January 2017", "2017.12", "99999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parsePeriod(s)
		if err != nil {
			return
		}
		if m := int(p.End.Month); m < 1 || m > 12 || p.Covers < 1 || p.Covers > 2 {
			t.Fatalf("%q → %v (covers %d)", s, p, p.Covers)
		}
	})
}
