package civil

import "testing"

func TestDaysSinceEpoch(t *testing.T) {
	for _, tc := range []struct {
		d    Date
		want int32
	}{
		{Date{1970, 1, 1}, 0},
		{Date{1969, 12, 31}, -1},
		{Date{2020, 4, 1}, 18353},
		{Date{2026, 1, 2}, 20455},
	} {
		if got := tc.d.DaysSinceEpoch(); got != tc.want {
			t.Errorf("%v.DaysSinceEpoch() = %d, want %d", tc.d, got, tc.want)
		}
		if back := DateFromDays(tc.want); back != tc.d {
			t.Errorf("DateFromDays(%d) = %v, want %v", tc.want, back, tc.d)
		}
	}
}

func TestMonthArithmetic(t *testing.T) {
	for _, tc := range []struct {
		m    Month
		n    int
		want Month
	}{
		{Month{2020, 1}, -1, Month{2019, 12}},
		{Month{2020, 12}, 1, Month{2021, 1}},
		{Month{2020, 4}, -16, Month{2018, 12}},
		{Month{2020, 4}, 0, Month{2020, 4}},
	} {
		if got := tc.m.AddMonths(tc.n); got != tc.want {
			t.Errorf("%v.AddMonths(%d) = %v, want %v", tc.m, tc.n, got, tc.want)
		}
	}
	if got := len(Range(Month{2017, 1}, Month{2017, 12})); got != 12 {
		t.Errorf("Range 2017 = %d months, want 12", got)
	}
	if got := Range(Month{2018, 1}, Month{2017, 12}); got != nil {
		t.Errorf("reversed Range = %v, want nil", got)
	}
	if _, err := ParseMonth("2020-13"); err == nil {
		t.Error("ParseMonth(2020-13) succeeded")
	}
	if !(Date{2020, 2, 29}).Valid() || (Date{2021, 2, 29}).Valid() {
		t.Error("Valid is wrong about Feb 29")
	}
}

func TestMonthText(t *testing.T) {
	for _, m := range []Month{{}, {2020, 4}, {1999, 12}} {
		b, err := m.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Month
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("round trip of %v: %v, %v", m, back, err)
		}
	}
}
