/* gen: deterministic realistic Russian client cards for kart-bench (see gen.h).
 *
 * Every card draws from its own random stream, seeded from (seed, index), so
 * cards can be generated in any order on any thread. Names come from lists of
 * common Russian names; the female surname is derived from the male one
 * (Иванов/Иванова, Вишневский/Вишневская, Толстой/Толстая, Шевченко
 * unchanged), patronymics are stored as male/female pairs (Ильич/Ильинична).
 * The phone is an affine permutation of the index modulo 10^9 and the e-mail
 * ends with the index, which is what makes both unique. */
#include "gen.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const male_names[] = {
	"Александр", "Алексей", "Анатолий", "Андрей", "Антон", "Артём", "Борис",
	"Вадим", "Валерий", "Василий", "Виктор", "Виталий", "Владимир",
	"Владислав", "Вячеслав", "Геннадий", "Георгий", "Григорий", "Даниил",
	"Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Илья", "Кирилл",
	"Константин", "Леонид", "Максим", "Матвей", "Михаил", "Никита", "Николай",
	"Олег", "Павел", "Пётр", "Роман", "Руслан", "Семён", "Сергей",
	"Станислав", "Степан", "Тимофей", "Тимур", "Фёдор", "Юрий", "Ярослав",
};

static const char *const female_names[] = {
	"Александра", "Алина", "Алла", "Анастасия", "Анна", "Валентина",
	"Валерия", "Вера", "Вероника", "Виктория", "Галина", "Дарья", "Диана",
	"Евгения", "Екатерина", "Елена", "Елизавета", "Жанна", "Зоя", "Инна",
	"Ирина", "Карина", "Кристина", "Ксения", "Лариса", "Любовь", "Людмила",
	"Маргарита", "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана",
	"Ольга", "Полина", "Светлана", "Софья", "Тамара", "Татьяна", "Ульяна",
	"Юлия",
};

/* Father's name -> patronymic of a son, of a daughter. */
static const char *const patronymics[][2] = {
	{ "Александрович", "Александровна" }, { "Алексеевич", "Алексеевна" },
	{ "Анатольевич", "Анатольевна" }, { "Андреевич", "Андреевна" },
	{ "Антонович", "Антоновна" }, { "Аркадьевич", "Аркадьевна" },
	{ "Борисович", "Борисовна" }, { "Вадимович", "Вадимовна" },
	{ "Валентинович", "Валентиновна" }, { "Валерьевич", "Валерьевна" },
	{ "Васильевич", "Васильевна" }, { "Викторович", "Викторовна" },
	{ "Витальевич", "Витальевна" }, { "Владимирович", "Владимировна" },
	{ "Вячеславович", "Вячеславовна" }, { "Геннадьевич", "Геннадьевна" },
	{ "Георгиевич", "Георгиевна" }, { "Григорьевич", "Григорьевна" },
	{ "Дмитриевич", "Дмитриевна" }, { "Евгеньевич", "Евгеньевна" },
	{ "Иванович", "Ивановна" }, { "Игоревич", "Игоревна" },
	{ "Ильич", "Ильинична" }, { "Константинович", "Константиновна" },
	{ "Леонидович", "Леонидовна" }, { "Львович", "Львовна" },
	{ "Максимович", "Максимовна" }, { "Михайлович", "Михайловна" },
	{ "Никитич", "Никитична" }, { "Николаевич", "Николаевна" },
	{ "Олегович", "Олеговна" }, { "Павлович", "Павловна" },
	{ "Петрович", "Петровна" }, { "Романович", "Романовна" },
	{ "Семёнович", "Семёновна" }, { "Сергеевич", "Сергеевна" },
	{ "Станиславович", "Станиславовна" }, { "Степанович", "Степановна" },
	{ "Тимофеевич", "Тимофеевна" }, { "Фёдорович", "Фёдоровна" },
	{ "Эдуардович", "Эдуардовна" }, { "Юрьевич", "Юрьевна" },
	{ "Яковлевич", "Яковлевна" },
};

/* Male forms; female_surname() derives the other. */
static const char *const surnames[] = {
	"Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров",
	"Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков",
	"Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
	"Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
	"Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев",
	"Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров",
	"Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов",
	"Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
	"Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
	"Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
	"Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов",
	"Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков",
	"Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов",
	"Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров",
	"Калинин", "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов",
	"Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв",
	"Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв",
	"Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников",
	"Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин",
	"Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов",
	"Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов",
	"Анисимов", "Ерёмин", "Тихомиров", "Галкин", "Лукьянов", "Михеев",
	"Скворцов", "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев",
	"Харитонов", "Князев", "Цветков", "Левин", "Митрофанов", "Воронцов",
	"Рябов", "Калашников", "Зуев", "Шубин", "Шестаков", "Самойлов",
	"Вишневский", "Покровский", "Успенский", "Троицкий", "Высоцкий",
	"Ковальский", "Дубровский", "Оболенский", "Толстой", "Трубецкой",
	"Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравченко",
	"Черных", "Седых", "Белых", "Долгих",
};

static const char *const cities[] = {
	"Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург", "Казань",
	"Нижний Новгород", "Челябинск", "Красноярск", "Самара", "Уфа",
	"Ростов-на-Дону", "Омск", "Краснодар", "Воронеж", "Пермь", "Волгоград",
	"Саратов", "Тюмень", "Тольятти", "Ижевск", "Барнаул", "Ульяновск",
	"Иркутск", "Хабаровск", "Махачкала", "Ярославль", "Владивосток",
	"Оренбург", "Томск", "Кемерово", "Новокузнецк", "Рязань",
	"Набережные Челны", "Астрахань", "Пенза", "Киров", "Липецк", "Чебоксары",
	"Балашиха", "Калининград", "Тула", "Курск", "Ставрополь", "Сочи",
	"Улан-Удэ", "Тверь", "Магнитогорск", "Иваново", "Брянск", "Белгород",
	"Сургут", "Владимир", "Чита", "Архангельск", "Нижний Тагил", "Калуга",
	"Смоленск", "Волжский", "Якутск", "Саранск", "Череповец", "Курган",
	"Вологда", "Орёл", "Владикавказ", "Подольск", "Грозный", "Мурманск",
	"Тамбов", "Стерлитамак", "Петрозаводск", "Кострома", "Нижневартовск",
	"Новороссийск", "Йошкар-Ола", "Химки", "Таганрог", "Сыктывкар",
	"Комсомольск-на-Амуре", "Нальчик", "Шахты", "Дзержинск", "Энгельс",
	"Орск", "Благовещенск", "Братск", "Великий Новгород", "Ангарск",
	"Старый Оскол", "Псков", "Мытищи", "Королёв", "Люберцы",
	"Южно-Сахалинск", "Бийск", "Прокопьевск", "Армавир", "Балаково",
	"Рыбинск", "Абакан", "Северодвинск", "Петропавловск-Камчатский",
	"Норильск", "Уссурийск", "Волгодонск", "Сызрань", "Новочеркасск",
	"Каменск-Уральский", "Златоуст", "Альметьевск", "Электросталь", "Миасс",
	"Салават", "Пятигорск", "Копейск", "Находка", "Хасавюрт", "Рубцовск",
	"Майкоп", "Коломна", "Березники", "Одинцово", "Домодедово", "Ковров",
	"Нефтекамск", "Кисловодск", "Нефтеюганск", "Батайск", "Новочебоксарск",
	"Серпухов", "Щёлково", "Дербент", "Новомосковск", "Черкесск",
	"Первоуральск", "Раменское", "Назрань", "Каспийск", "Обнинск",
	"Орехово-Зуево", "Кызыл", "Новый Уренгой", "Невинномысск",
	"Димитровград", "Октябрьский", "Камышин", "Муром", "Ессентуки",
	"Новошахтинск", "Сергиев Посад", "Жуковский", "Северск", "Ноябрьск",
	"Артём", "Ачинск", "Бердск", "Элиста", "Арзамас", "Ханты-Мансийск",
	"Елец", "Пушкино", "Новокуйбышевск", "Сарапул", "Междуреченск",
	"Зеленодольск", "Соликамск", "Ногинск", "Воткинск", "Глазов", "Магадан",
	"Тобольск", "Саров", "Чапаевск", "Жигулёвск", "Отрадный", "Кинель",
	"Похвистнево", "Бузулук", "Мичуринск", "Гатчина", "Выборг",
	"Великие Луки", "Лениногорск", "Бугульма", "Чистополь", "Нижнекамск",
	"Кстово", "Выкса", "Азов", "Белорецк", "Ишимбай", "Туймазы", "Кумертау",
	"Канск", "Минусинск", "Усть-Илимск", "Шадринск", "Асбест", "Ревда",
	"Верхняя Пышма", "Серов", "Воркута", "Ухта", "Котлас", "Апатиты",
	"Мончегорск", "Новотроицк", "Бугуруслан",
};

/* Whole company names, and halves that make names like «ВолгаСнаб». */
static const char *const company_names[] = {
	"Ромашка", "Вектор", "Альянс", "Меридиан", "Гарант", "Авангард",
	"Эталон", "Прогресс", "Лидер", "Спектр", "Форвард", "Энергия", "Транзит",
	"Полимер", "Оптима", "Северный ветер", "Континент", "Сфера", "Интеграл",
	"Кристалл", "Восход", "Магистраль", "Садко", "Берёзка", "Парус",
	"Радуга", "Монолит", "Горизонт", "Атлант", "Фаворит", "Орион", "Зенит",
	"Стандарт", "Русский хлеб", "Добрый дом", "Мастер", "Возрождение",
	"Феникс", "Пересвет", "Каскад",
};
static const char *const company_heads[] = {
	"Волга", "Техно", "Агро", "Сиб", "Урал", "Энерго", "Пром", "Торг", "Авто",
	"Мед", "Нефте", "Хлебо", "Евро", "Спец", "Дон", "Кама", "Жигули", "Нева",
	"Лес", "Металл",
};
static const char *const company_tails[] = {
	"Сервис", "Комплект", "Снаб", "Трейд", "Маркет", "Строй", "Групп",
	"Логистик", "Инвест", "Проект", "Систем", "Ресурс", "Холдинг", "Плюс",
	"Транс", "Монтаж",
};

static const char *const positions[] = {
	"генеральный директор", "директор", "коммерческий директор",
	"финансовый директор", "заместитель директора", "главный бухгалтер",
	"бухгалтер", "менеджер по продажам", "менеджер по закупкам",
	"специалист по закупкам", "начальник отдела снабжения",
	"руководитель отдела продаж", "руководитель отдела маркетинга",
	"главный инженер", "инженер", "технолог", "юрист", "логист",
	"экономист", "офис-менеджер", "заведующий складом", "прораб",
};

static const char *const tags[] = {
	"vip", "partner", "opt", "roznica", "seminar", "dealer", "tender",
	"export", "newsletter", "b2b", "b2c", "postavshik", "vystavka", "sklad",
};

static const char *const email_domains[] = {
	"mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru",
	"rambler.ru", "ya.ru",
};

/* splitmix64: a tiny, good-enough stream per card. */
struct rng {
	uint64_t s;
};

/* The splitmix64 finalizer: a bijection that scatters nearby inputs. */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
	return mix64(r->s += 0x9e3779b97f4a7c15ull);
}

/* Streams started at s and s + k*gamma are the same stream shifted by k, so
 * the start is scrambled: neighbouring indices get unrelated streams. */
static void rng_init(struct rng *r, uint64_t seed, uint64_t index)
{
	r->s = mix64(index ^ mix64(seed + 0x632be59bd9b4e019ull));
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

#define PICK(r, a) ((a)[rng_below((r), (uint32_t)COUNT(a))])

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* Иванов -> Иванова, Ильин -> Ильина, Вишневский -> Вишневская, Толстой ->
 * Толстая; Шевченко and Черных do not change. */
static void female_surname(const char *male, char *out, size_t n)
{
	static const char *const plus_a[] = { "ов", "ев", "ёв", "ин", "ын" };
	static const char *const swap[][2] = { { "ский", "ская" }, { "цкий", "цкая" }, { "ой", "ая" } };
	size_t len = strlen(male);
	for (size_t i = 0; i < COUNT(plus_a); i++)
		if (ends_with(male, plus_a[i])) {
			snprintf(out, n, "%sа", male);
			return;
		}
	for (size_t i = 0; i < COUNT(swap); i++)
		if (ends_with(male, swap[i][0])) {
			size_t stem = len - strlen(swap[i][0]);
			snprintf(out, n, "%.*s%s", (int)stem, male, swap[i][1]);
			return;
		}
	snprintf(out, n, "%s", male);
}

/* The first code point of a UTF-8 string, for initials. */
static int utf8_first_len(const char *s)
{
	unsigned char c = (unsigned char)s[0];
	if (c < 0x80)
		return c ? 1 : 0;
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return 2;
}

/* Latin transliteration of a Cyrillic word, lowercase, for e-mail addresses.
 * Anything that is not a Russian letter is dropped. */
static void translit(const char *s, char *out, size_t n)
{
	/* а..я, then ё */
	static const char *const lat[] = {
		"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
		"o", "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "",
		"y", "", "e", "yu", "ya",
	};
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		const char *t = NULL;
		if ((p[0] == 0xd0 || p[0] == 0xd1) && p[1]) {
			unsigned cp = ((unsigned)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
			if (cp >= 0x410 && cp <= 0x42f)
				t = lat[cp - 0x410];
			else if (cp >= 0x430 && cp <= 0x44f)
				t = lat[cp - 0x430];
			else if (cp == 0x401 || cp == 0x451)
				t = "e";
			p += 2;
		} else {
			p += utf8_first_len((const char *)p);
		}
		if (!t)
			continue;
		size_t tl = strlen(t);
		if (o + tl + 1 > n)
			break;
		memcpy(out + o, t, tl);
		o += tl;
	}
	out[o] = '\0';
}

static int leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

uint64_t gen_phone_national(uint64_t index)
{
	/* 3^18 is coprime to 10^9, so this is a bijection on [0, 10^9); the
	 * number is 9XX XXX-XX-XX with the nine X digits from it. */
	const uint64_t mod = 1000000000ull;
	return 9000000000ull + ((index % mod) * 387420489ull + 123456789ull) % mod;
}

static void gen_phone(uint64_t index, struct rng *r, char *out, size_t n)
{
	unsigned long long digits = gen_phone_national(index);
	unsigned code = (unsigned)(digits / 10000000ull);
	unsigned mid = (unsigned)(digits / 10000 % 1000);
	unsigned a = (unsigned)(digits / 100 % 100);
	unsigned b = (unsigned)(digits % 100);
	switch (rng_below(r, 5)) {
	case 0:
		snprintf(out, n, "+7 %03u %03u-%02u-%02u", code, mid, a, b);
		break;
	case 1:
		snprintf(out, n, "+7%llu", digits);
		break;
	case 2:
		snprintf(out, n, "+7 (%03u) %03u-%02u-%02u", code, mid, a, b);
		break;
	case 3:
		snprintf(out, n, "+7-%03u-%03u-%02u-%02u", code, mid, a, b);
		break;
	default:
		snprintf(out, n, "+7 %03u %03u %02u %02u", code, mid, a, b);
		break;
	}
}

static void gen_email(const struct gen_card *c, uint64_t index, struct rng *r, char *out, size_t n)
{
	char last[64], first[64];
	translit(c->last_name, last, sizeof(last));
	translit(c->first_name, first, sizeof(first));
	const char *domain = PICK(r, email_domains);
	unsigned long long ix = (unsigned long long)index;
	/* The index is the only digit run and ends the local part: injective. */
	switch (rng_below(r, 4)) {
	case 0:
		snprintf(out, n, "%s.%c%llu@%s", last, first[0], ix, domain);
		break;
	case 1:
		snprintf(out, n, "%c.%s%llu@%s", first[0], last, ix, domain);
		break;
	case 2:
		snprintf(out, n, "%s.%s%llu@%s", first, last, ix, domain);
		break;
	default:
		snprintf(out, n, "%s%llu@%s", last, ix, domain);
		break;
	}
}

static void gen_company(struct gen_card *c, struct rng *r)
{
	uint32_t form = rng_below(r, 100);
	if (form < 15) {
		/* A sole trader: ИП Фамилия И. О. */
		int fl = utf8_first_len(c->first_name), ml = utf8_first_len(c->middle_name);
		snprintf(c->company, sizeof(c->company), "ИП %s %.*s. %.*s.", c->last_name,
			 fl, c->first_name, ml, c->middle_name);
		c->position = "индивидуальный предприниматель";
		return;
	}
	char name[96];
	if (rng_below(r, 2))
		snprintf(name, sizeof(name), "%s", PICK(r, company_names));
	else {
		const char *head = PICK(r, company_heads);
		snprintf(name, sizeof(name), "%s%s", head, PICK(r, company_tails));
	}
	const char *kind = form < 75 ? "ООО" : form < 85 ? "АО" : form < 90 ? "ЗАО" : form < 93 ? "ПАО" : "ГК";
	snprintf(c->company, sizeof(c->company), "%s «%s»", kind, name);
	c->position = PICK(r, positions);
}

/* The first draws of every card: the gender and the last name. Returns
 * whether the card is a woman's. */
static int draw_last_name(struct rng *r, char *out, size_t n)
{
	int female = rng_below(r, 2) == 0;
	const char *male_last = PICK(r, surnames);
	if (female)
		female_surname(male_last, out, n);
	else
		snprintf(out, n, "%s", male_last);
	return female;
}

void gen_last_name(uint64_t seed, uint64_t index, char *out, size_t n)
{
	struct rng r;
	rng_init(&r, seed, index);
	draw_last_name(&r, out, n);
}

/* One draw: a city weighted roughly by population (see gen.h). */
static const char *draw_city(struct rng *r)
{
	uint64_t x = rng_next(r);
	uint32_t w = (uint32_t)(x % 1000);
	x /= 1000;
	if (w < 120)
		return cities[0];               /* Москва */
	if (w < 180)
		return cities[1];               /* Санкт-Петербург */
	if (w < 390)
		return cities[2 + (w - 180) / 15];      /* the next 14, Самара among them */
	return cities[16 + x % (COUNT(cities) - 16)];
}

void gen_card(uint64_t seed, uint64_t index, struct gen_card *out)
{
	struct rng r;
	rng_init(&r, seed, index);
	memset(out, 0, sizeof(*out));
	int female = draw_last_name(&r, out->last_name, sizeof(out->last_name));
	const char *const *patr = patronymics[rng_below(&r, (uint32_t)COUNT(patronymics))];
	if (female) {
		out->first_name = PICK(&r, female_names);
		out->middle_name = patr[1];
		out->gender = "f";
	} else {
		out->first_name = PICK(&r, male_names);
		out->middle_name = patr[0];
		out->gender = "m";
	}
	out->position = "";
	if (rng_below(&r, 100) < 60)
		gen_company(out, &r);
	gen_phone(index, &r, out->phone, sizeof(out->phone));
	gen_email(out, index, &r, out->email, sizeof(out->email));
	out->city = draw_city(&r);

	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year = 1950 + (int)rng_below(&r, 2004 - 1950 + 1);
	int month = 1 + (int)rng_below(&r, 12);
	int days = mdays[month - 1] + (month == 2 && leap(year));
	int day = 1 + (int)rng_below(&r, (uint32_t)days);
	snprintf(out->birthday, sizeof(out->birthday), "%04u-%02u-%02u", (unsigned)year % 10000u,
		 (unsigned)month % 100u, (unsigned)day % 100u);

	/* 0-3 distinct tags: a partial Fisher-Yates shuffle of the indices. */
	int ntags = (int)rng_below(&r, GEN_MAX_TAGS + 1);
	uint8_t order[COUNT(tags)];
	for (size_t i = 0; i < COUNT(tags); i++)
		order[i] = (uint8_t)i;
	for (int i = 0; i < ntags; i++) {
		uint32_t j = (uint32_t)i + rng_below(&r, (uint32_t)(COUNT(tags) - (size_t)i));
		uint8_t t = order[i];
		order[i] = order[j];
		order[j] = t;
		out->tags[i] = tags[order[i]];
	}
	out->ntags = ntags;

	uint32_t s = rng_below(&r, 100);
	out->sector = s < 50 ? "cold" : s < 80 ? "warm" : "hot";
}

static void put(struct gen_fields *f, const char *field, const char *value)
{
	if (!value || !*value || f->n >= GEN_MAX_FIELDS)
		return;
	Kart__FieldValue *fv = &f->fv[f->n];
	kart__field_value__init(fv);
	fv->field = (char *)field;
	fv->value = (char *)value;
	f->ptrs[f->n] = fv;
	f->n++;
}

void gen_fields(const struct gen_card *c, struct gen_fields *f)
{
	f->n = 0;
	put(f, "first_name", c->first_name);
	put(f, "middle_name", c->middle_name);
	put(f, "last_name", c->last_name);
	put(f, "company", c->company);
	put(f, "position", c->position);
	put(f, "gender", c->gender);
	put(f, "phones", c->phone);
	put(f, "emails", c->email);
	put(f, "city", c->city);
	put(f, "birthday", c->birthday);
	for (int i = 0; i < c->ntags; i++)
		put(f, "tags", c->tags[i]);
	put(f, "sector", c->sector);
}

static const char *const manager_names[GEN_MAX_MANAGERS] = {
	"mgr01", "mgr02", "mgr03", "mgr04", "mgr05", "mgr06", "mgr07", "mgr08",
	"mgr09", "mgr10", "mgr11", "mgr12", "mgr13", "mgr14", "mgr15", "mgr16",
	"mgr17", "mgr18", "mgr19", "mgr20", "mgr21", "mgr22", "mgr23", "mgr24",
	"mgr25", "mgr26", "mgr27", "mgr28", "mgr29", "mgr30", "mgr31", "mgr32",
	"mgr33", "mgr34", "mgr35", "mgr36", "mgr37", "mgr38", "mgr39", "mgr40",
	"mgr41", "mgr42", "mgr43", "mgr44", "mgr45", "mgr46", "mgr47", "mgr48",
	"mgr49", "mgr50", "mgr51", "mgr52", "mgr53", "mgr54", "mgr55", "mgr56",
	"mgr57", "mgr58", "mgr59", "mgr60", "mgr61", "mgr62", "mgr63", "mgr64",
};

void gen_manager_name(int m, char *out, size_t n)
{
	snprintf(out, n, "%s", gen_manager(m));
}

const char *gen_manager(int m)
{
	return m >= 0 && m < GEN_MAX_MANAGERS ? manager_names[m] : "";
}

int gen_owner(uint64_t seed, uint64_t index, int k)
{
	if (k <= 1)
		return 0;
	uint64_t total = (uint64_t)k * (uint64_t)(k + 1) / 2;
	uint64_t pick = mix64(index ^ mix64(seed + 0x5851f42d4c957f2dull)) % total;
	int m = 0;
	while (pick >= (uint64_t)(m + 1)) {
		pick -= (uint64_t)(m + 1);
		m++;
	}
	return m;
}

void gen_fields_owner(const char *name, struct gen_fields *f)
{
	put(f, "owner", name);
}

/* ---- custom fields ---- */

static const char *const branches[] = {
	"Центр", "Северо-Запад", "Юг", "Северный Кавказ", "Поволжье", "Урал", "Сибирь", "Дальний Восток",
	"Черноземье", "Калининград",
};

static const char *const interests[] = {
	"компьютеры", "ноутбуки", "серверы", "принтеры", "сети", "программы", "ремонт", "обучение",
};

static const char *const note_words[] = {
	"перезвонить", "после", "обеда", "в", "понедельник", "просил", "прайс", "скидку", "счёт", "договор",
	"отправить", "КП", "уточнить", "сроки", "доставки", "бухгалтерия", "оплата", "задерживается",
	"интересуется", "ноутбуками", "для", "офиса", "нужен", "выезд", "инженера", "семинар", "понравился",
};

static const struct {
	const char *name;
	Kart__FieldType type;
	const char *const *values;
	size_t nvalues;
} typed[GEN_CUSTOM_TYPED] = {
	{ "computers", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, NULL, 0 },
	{ "employees", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, NULL, 0 },
	{ "fleet_renewal", KART__FIELD_TYPE__FIELD_TYPE_DATE, NULL, 0 },
	{ "branch", KART__FIELD_TYPE__FIELD_TYPE_ENUM, branches, COUNT(branches) },
	{ "interests", KART__FIELD_TYPE__FIELD_TYPE_MULTIENUM, interests, COUNT(interests) },
	{ "seminar_ok", KART__FIELD_TYPE__FIELD_TYPE_BOOL, NULL, 0 },
	{ "revenue", KART__FIELD_TYPE__FIELD_TYPE_NUMBER, NULL, 0 },
	{ "contract_until", KART__FIELD_TYPE__FIELD_TYPE_DATE, NULL, 0 },
};

void gen_custom_def(int i, struct gen_field_def *out)
{
	memset(out, 0, sizeof(*out));
	if (i < GEN_CUSTOM_TYPED) {
		snprintf(out->name, sizeof(out->name), "%s", typed[i].name);
		out->type = typed[i].type;
		out->values = typed[i].values;
		out->nvalues = typed[i].nvalues;
	} else {
		snprintf(out->name, sizeof(out->name), "note%d", i - GEN_CUSTOM_TYPED + 1);
		out->type = KART__FIELD_TYPE__FIELD_TYPE_TEXT;
	}
}

static void draw_date(struct rng *r, int from_year, int years, char *out, size_t n)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int year = from_year + (int)rng_below(r, (uint32_t)years);
	int month = 1 + (int)rng_below(r, 12);
	int days = mdays[month - 1] + (month == 2 && leap(year));
	int day = 1 + (int)rng_below(r, (uint32_t)days);
	snprintf(out, n, "%04u-%02u-%02u", (unsigned)year % 10000u, (unsigned)month % 100u, (unsigned)day % 100u);
}

void gen_custom(uint64_t seed, uint64_t index, int n, struct gen_custom *out)
{
	struct rng r;
	/* a stream apart from the card's own */
	rng_init(&r, seed ^ 0x5c3a9e1f0b7d2468ull, index);
	if (n > GEN_MAX_CUSTOM)
		n = GEN_MAX_CUSTOM;
	out->n = n < 0 ? 0 : n;
	for (int i = 0; i < out->n; i++) {
		char *v = out->value[i];
		size_t vn = sizeof(out->value[i]);
		if (i < GEN_CUSTOM_TYPED)
			snprintf(out->name[i], sizeof(out->name[i]), "%s", typed[i].name);
		else
			snprintf(out->name[i], sizeof(out->name[i]), "note%d", i - GEN_CUSTOM_TYPED + 1);
		switch (i) {
		case 0:                 /* computers */
			snprintf(v, vn, "%u", rng_below(&r, 201));
			break;
		case 1: {               /* employees: 1-9, 10-49, 50-249, 250-999, 1000-9999 */
			static const unsigned lo[] = { 1, 10, 50, 250, 1000 }, hi[] = { 9, 49, 249, 999, 9999 };
			static const unsigned weight[] = { 40, 70, 88, 97, 100 };
			uint32_t b = rng_below(&r, 100), k = 0;
			while (b >= weight[k])
				k++;
			snprintf(v, vn, "%u", lo[k] + rng_below(&r, hi[k] - lo[k] + 1));
			break;
		}
		case 2:                 /* fleet_renewal */
			draw_date(&r, 2018, 13, v, vn);
			break;
		case 3:                 /* branch */
			snprintf(v, vn, "%s", PICK(&r, branches));
			break;
		case 4: {               /* interests: 1-3 distinct, in list order */
			uint32_t k = 1 + rng_below(&r, 3), mask = 0;
			while ((uint32_t)__builtin_popcount(mask) < k)
				mask |= 1u << rng_below(&r, (uint32_t)COUNT(interests));
			size_t o = 0;
			v[0] = '\0';
			for (size_t j = 0; j < COUNT(interests); j++)
				if (mask & (1u << j)) {
					int w = snprintf(v + o, vn - o, "%s%s", o ? "," : "", interests[j]);
					if (w < 0 || (size_t)w >= vn - o)
						break;
					o += (size_t)w;
				}
			break;
		}
		case 5:                 /* seminar_ok */
			snprintf(v, vn, "%s", rng_below(&r, 100) < 30 ? "true" : "false");
			break;
		case 6: {               /* revenue */
			uint64_t kop = rng_next(&r) % 1000000000ull;
			snprintf(v, vn, "%llu.%02u", (unsigned long long)(kop / 100), (unsigned)(kop % 100));
			break;
		}
		case 7:                 /* contract_until */
			draw_date(&r, 2024, 6, v, vn);
			break;
		default: {              /* noteK: three or four words */
			uint32_t words = 3 + rng_below(&r, 2);
			size_t o = 0;
			v[0] = '\0';
			for (uint32_t j = 0; j < words; j++) {
				int w = snprintf(v + o, vn - o, "%s%s", o ? " " : "", PICK(&r, note_words));
				if (w < 0 || (size_t)w >= vn - o) {
					v[o] = '\0';
					break;
				}
				o += (size_t)w;
			}
			break;
		}
		}
	}
}

void gen_fields_custom(const struct gen_custom *cu, struct gen_fields *f)
{
	for (int i = 0; i < cu->n; i++)
		put(f, cu->name[i], cu->value[i]);
}
