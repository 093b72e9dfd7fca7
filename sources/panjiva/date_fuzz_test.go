package panjiva

import "testing"

// FuzzDates normalises arbitrary date cells: serials, YYYYMMDD numbers,
// ISO date-times and the text formats.
func FuzzDates(f *testing.F) {
	for _, s := range []string{"43845", "20200115", "2020-01-15", "1/15/2020", "15/1/2020", "15-Jan-2020", "January 15, 2020", "2020-02-29T00:00:00", "1e308", "-1", "NaN", "60"} {
		f.Add(s, kindNumber, false)
		f.Add(s, kindText, true)
	}
	f.Add("2020-02-29T00:00:00", kindDate, false)
	f.Fuzz(func(t *testing.T, s string, kind byte, date1904 bool) {
		d, ok, err := parseDate(cell{kind: kind % (kindDate + 1), v: []byte(s)}, date1904)
		if err != nil || !ok {
			return
		}
		if !d.Valid() || d.Year < 1 || d.Year > 9999 {
			t.Fatalf("%q → %v, not a date the lake can hold", s, d)
		}
	})
}
