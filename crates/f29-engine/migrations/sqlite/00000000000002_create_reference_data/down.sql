DROP TABLE holidays;
DROP TABLE holiday_years;
DROP TABLE utm_values;
