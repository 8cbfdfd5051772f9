/* date: proleptic Gregorian calendar arithmetic on days since 1970-01-01,
 * without mktime, time zones or DST. Everything here is pure. */
#ifndef KART_DATE_H
#define KART_DATE_H

#include <stdbool.h>
#include <stdint.h>

bool date_is_leap(int64_t y);
/* The days of month m (1..12) of year y. */
int date_days_in_month(int64_t y, int m);
/* Days since 1970-01-01 of y-m-d (H. Hinnant's algorithm); a day past the
 * month's end rolls into the next month. */
int64_t date_days_from_civil(int64_t y, int m, int d);
/* The y-m-d of days since 1970-01-01. */
void date_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* The day of the week of days since 1970-01-01: 0 Sunday .. 6 Saturday. */
int date_weekday(int64_t days);
/* The yearly date month m, day d in year y, in days since 1970-01-01; Feb 29
 * in a common year is Mar 1 (the day after Feb 28). */
int64_t date_anniversary(int64_t y, int m, int d);
/* The calendar day of unix seconds at a fixed offset east of UTC (seconds). */
int64_t date_day_at_offset(int64_t secs, int64_t offset);

#endif
