/* date: days since 1970-01-01 <-> proleptic Gregorian dates (H. Hinnant's
 * algorithms), and the small calendar facts built on them. */
#include "date.h"

bool date_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int64_t y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m == 2 && date_is_leap(y) ? 29 : days[m - 1];
}

int64_t date_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void date_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int date_weekday(int64_t days)
{
	return (int)(((days + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday */
}

int64_t date_anniversary(int64_t y, int m, int d)
{
	if (m == 2 && d == 29 && !date_is_leap(y))
		return date_days_from_civil(y, 3, 1);
	return date_days_from_civil(y, m, d);
}

int64_t date_day_at_offset(int64_t secs, int64_t offset)
{
	int64_t t = secs + offset;
	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}
