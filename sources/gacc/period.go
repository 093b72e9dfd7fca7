package gacc

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tradepipe/tradepipe/internal/civil"
)

// period is the reporting period of a figure: the month it ends in and how
// many months it covers (2 for a combined January–February figure).
type period struct {
	End    civil.Month
	Covers int
}

func (p period) String() string {
	if p.Covers == 2 {
		return fmt.Sprintf("%04d-01..02", p.End.Year)
	}
	return p.End.String()
}

// Excel date serials of 2000-01-01 and 2099-12-31: five digits, never a
// YYYYMM.
const (
	excelSerial2000 = 36526
	excelSerial2099 = 73050
)

var (
	// 201701, 2017-01, 2017/1, 2017.01, 2017年1月, 2017年01月
	monthRE = regexp.MustCompile(`^(\d{4})(?:[-/.]|年)?(\d{1,2})月?$`)
	// 202001-02, 2020-01-02, 2020-01~02, 2020年1-2月, 2020年01-02月, 2020.01-02,
	// 202001-202002, 2020-01--2020-02
	rangeRE = regexp.MustCompile(`^(\d{4})(?:[-/.]|年)?(\d{1,2})月?\s*(?:-|--|–|—|~|～|至|到)\s*(?:(\d{4})(?:[-/.]|年)?)?(\d{1,2})月?$`)
)

// parsePeriod reads a detail table's date cell. A range is accepted only as
// the combined January–February figure GACC publishes since 2020.
func parsePeriod(s string) (period, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ".0") // a YYYYMM number that went through a spreadsheet
	if serial, err := strconv.Atoi(s); err == nil && serial >= excelSerial2000 && serial <= excelSerial2099 {
		// A date cell of a workbook read raw: days since 1899-12-30.
		d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, serial)
		return period{End: civil.MonthOf(d), Covers: 1}, nil
	}
	if m := monthRE.FindStringSubmatch(s); m != nil {
		// Without a separator the month must have two digits: 20171 is
		// not a month.
		if len(s) == 5 {
			return period{}, fmt.Errorf("%q is not YYYYMM", s)
		}
		mo, err := month(m[1], m[2])
		if err != nil {
			return period{}, err
		}
		return period{End: mo, Covers: 1}, nil
	}
	if m := rangeRE.FindStringSubmatch(s); m != nil {
		from, err := month(m[1], m[2])
		if err != nil {
			return period{}, err
		}
		year := m[3]
		if year == "" {
			year = m[1]
		}
		to, err := month(year, m[4])
		if err != nil {
			return period{}, err
		}
		return combined(from, to)
	}
	return period{}, fmt.Errorf("%q is not a month (YYYYMM, YYYY-MM, YYYY年MM月) or a January–February range (YYYY01-02)", s)
}

// combined checks a from–to range: only January–February of one year.
func combined(from, to civil.Month) (period, error) {
	if from == to {
		return period{End: from, Covers: 1}, nil
	}
	if from.Year != to.Year || from.Month != time.January || to.Month != time.February {
		return period{}, fmt.Errorf("period %s to %s: only a combined January–February figure may span months", from, to)
	}
	return period{End: to, Covers: 2}, nil
}

func month(y, m string) (civil.Month, error) {
	year, err := strconv.Atoi(y)
	if err != nil || year < 1980 || year > 2100 {
		return civil.Month{}, fmt.Errorf("year %q out of range", y)
	}
	mo, err := strconv.Atoi(m)
	if err != nil || mo < 1 || mo > 12 {
		return civil.Month{}, fmt.Errorf("month %q is not 1–12", m)
	}
	return civil.Month{Year: year, Month: time.Month(mo)}, nil
}

var monthNames = func() map[string]time.Month {
	out := map[string]time.Month{}
	for m := time.January; m <= time.December; m++ {
		out[strings.ToLower(m.String())] = m
		out[strings.ToLower(m.String()[:3])] = m
	}
	out["sept"] = time.September
	return out
}()

var (
	// "January-February 2020", "Jan.-Feb. 2020", "Jan–Feb 2020", "December 2017"
	enPeriodRE = regexp.MustCompile(`(?i)\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?(?:\s*(?:-|–|—|to|through)\s*(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?)?,?\s+(\d{4})\b`)
	// "2020年1-2月", "2017年12月"
	zhPeriodRE = regexp.MustCompile(`(\d{4})年\s*(\d{1,2})(?:\s*(?:-|–|—|~|至)\s*(\d{1,2}))?\s*月`)
	// GACC's English statistics pages title a month as M.YYYY, with or
	// without a space, glued to the words or after a comma: "Regime, 12.
	// 2019", "Regime,10.2019", "Regime10.2023"; and January–February as
	// "1-2.2020". The month must not follow a digit or a dot, so
	// "1,000.2019" and "2019.2020" are not months; the year is 19xx/20xx.
	dotPeriodRE = regexp.MustCompile(`(?:^|[^\d.])(\d{1,2})(?:\s*(?:-|–|—|~)\s*(\d{1,2}))?\s*\.\s*((?:19|20)\d{2})(?:\D|$)`)
)

// findPeriod finds the reporting period named in a release page's title or
// heading text, e.g. "December 2017" or "January-February 2020". ok is false
// when the text names none.
func findPeriod(text string) (period, bool, error) {
	if m := enPeriodRE.FindStringSubmatch(text); m != nil {
		from := monthNames[strings.ToLower(strings.TrimSuffix(m[1], "."))]
		if from == 0 {
			from = monthNames[strings.ToLower(m[1])[:3]]
		}
		year, _ := strconv.Atoi(m[3])
		if m[2] == "" {
			return period{End: civil.Month{Year: year, Month: from}, Covers: 1}, true, nil
		}
		to := monthNames[strings.ToLower(m[2])[:3]]
		p, err := combined(civil.Month{Year: year, Month: from}, civil.Month{Year: year, Month: to})
		return p, true, err
	}
	if m := zhPeriodRE.FindStringSubmatch(text); m != nil {
		from, err := month(m[1], m[2])
		if err != nil {
			return period{}, true, err
		}
		if m[3] == "" {
			return period{End: from, Covers: 1}, true, nil
		}
		to, err := month(m[1], m[3])
		if err != nil {
			return period{}, true, err
		}
		p, err := combined(from, to)
		return p, true, err
	}
	if m := dotPeriodRE.FindStringSubmatch(text); m != nil {
		from, err := month(m[3], m[1])
		if err != nil {
			return period{}, true, err
		}
		if m[2] == "" {
			return period{End: from, Covers: 1}, true, nil
		}
		to, err := month(m[3], m[2])
		if err != nil {
			return period{}, true, err
		}
		p, err := combined(from, to)
		return p, true, err
	}
	return period{}, false, nil
}
