package reference

import "testing"

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
