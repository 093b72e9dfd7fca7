package civil

import "testing"

// FuzzCivil parses arbitrary dates and months; what parses must print
// back to the same text and name a real day or month.
func FuzzCivil(f *testing.F) {
	for _, s := range []string{"2020-02-29", "2021-02-29", "2020-13", "0000-01", "9999-12-31", "2020-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDate(s); err == nil {
			if !d.Valid() || d.String() != s {
				t.Fatalf("ParseDate(%q) = %v", s, d)
			}
			if DateFromDays(d.DaysSinceEpoch()) != d {
				t.Fatalf("%v does not round-trip through days", d)
			}
		}
		var m Month
		if err := m.UnmarshalText([]byte(s)); err == nil {
			// "0000-00" is the zero Month, as MarshalText writes it.
			if (!m.IsZero() && (m.Month < 1 || m.Month > 12)) || m.String() != s {
				t.Fatalf("Month(%q) = %v", s, m)
			}
		}
	})
}
