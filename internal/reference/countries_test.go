package reference

import (
	"encoding/csv"
	"strings"
	"testing"
)

func TestScheduleC(t *testing.T) {
	for code, want := range map[string]string{"5700": "CN", "5820": "HK", "5660": "MO", "5830": "TW", "1220": "CA", "2010": "MX"} {
		c, ok := ScheduleC(code)
		if !ok || c.ISO2 != want {
			t.Errorf("ScheduleC(%s) = %+v, %v; want %s", code, c, ok, want)
		}
	}
	if _, ok := ScheduleC("9999"); ok {
		t.Error("ScheduleC(9999) found")
	}
}

// TestScheduleCCodesAreISO checks every ISO code of the embedded Schedule C
// against the embedded ISO 3166-1 list: the table once gave Congo
// (Kinshasa) "rCD", and every all-partner lake then held a partner "rCD".
// Census's own codes for places ISO 3166-1 lacks are the only exceptions.
func TestScheduleCCodesAreISO(t *testing.T) {
	iso := map[string]bool{}
	rows, err := csv.NewReader(strings.NewReader(iso3166CSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		iso[r[0]] = true
	}
	censusOnly := map[string]bool{"GZ": true, "WE": true, "KV": true} // Gaza Strip, West Bank, Kosovo
	sc, err := scheduleC()
	if err != nil {
		t.Fatal(err)
	}
	for code, c := range sc {
		if c.ISO2 != "" && !iso[c.ISO2] && !censusOnly[c.ISO2] {
			t.Errorf("schedule C %s (%s) has ISO code %q, not in ISO 3166-1", code, c.Name, c.ISO2)
		}
	}
}
