/* Host tests for lib/list.h. */
#define CHECK_SUITE "list"
#include "tests/unit/check.h"

#include "lib/list.h"

struct item {
	int value;
	struct list link;
};

/* Writes the values of the items on head into out (at most max); returns
 * how many items there are. */
static int collect(struct list *head, int *out, int max)
{
	struct list *pos;
	int n = 0;

	list_for_each(pos, head) {
		if (n < max)
			out[n] = list_entry(pos, struct item, link)->value;
		n++;
	}
	return n;
}

/* Makes head a list of the n items, valued first, first+1, ... */
static void build(struct list *head, struct item *it, int n, int first)
{
	list_init(head);
	for (int i = 0; i < n; i++) {
		it[i].value = first + i;
		list_push_back(head, &it[i].link);
	}
}

TEST(empty_list)
{
	struct list head;

	list_init(&head);
	CHECK(list_empty(&head));
	CHECK(list_pop_front(&head) == NULL);
	CHECK(list_empty(&head));
}

TEST(push_back_and_front_order)
{
	struct item it[4];
	struct list head;
	int v[4];

	for (int i = 0; i < 4; i++)
		it[i].value = i;
	list_init(&head);
	list_push_back(&head, &it[1].link);
	list_push_back(&head, &it[2].link);
	list_push_front(&head, &it[0].link);
	list_push_back(&head, &it[3].link);
	CHECK(!list_empty(&head));
	REQUIRE(collect(&head, v, 4) == 4);
	for (int i = 0; i < 4; i++)
		CHECK(v[i] == i);
	CHECK(head.prev == &it[3].link && it[3].link.next == &head);
}

TEST(remove_middle_and_ends)
{
	struct item it[3];
	struct list head;
	int v[3];

	build(&head, it, 3, 0);
	list_remove(&it[1].link);
	REQUIRE(collect(&head, v, 3) == 2);
	CHECK(v[0] == 0 && v[1] == 2);
	CHECK(it[1].link.next == &it[1].link && it[1].link.prev == &it[1].link);
	list_remove(&it[1].link); /* a second removal changes nothing */
	CHECK(collect(&head, v, 3) == 2);
	list_remove(&it[0].link);
	list_remove(&it[2].link);
	CHECK(list_empty(&head));
}

TEST(pop_front_drains_in_order)
{
	struct item it[3];
	struct list head, *node;
	int expect = 10;

	build(&head, it, 3, 10);
	while ((node = list_pop_front(&head)) != NULL) {
		CHECK(list_entry(node, struct item, link)->value == expect);
		CHECK(node->next == node);
		expect++;
	}
	CHECK(expect == 13);
	CHECK(list_empty(&head));
}

TEST(for_each_safe_allows_removal)
{
	struct item it[5];
	struct list head, *pos, *tmp;
	int v[5];

	build(&head, it, 5, 0);
	list_for_each_safe(pos, tmp, &head) {
		if (list_entry(pos, struct item, link)->value % 2 == 0)
			list_remove(pos);
	}
	REQUIRE(collect(&head, v, 5) == 2);
	CHECK(v[0] == 1 && v[1] == 3);
}

TEST(container_of_recovers_outer)
{
	struct item it = { 42, { NULL, NULL } };

	CHECK(container_of(&it.link, struct item, link) == &it);
	CHECK(list_entry(&it.link, struct item, link)->value == 42);
}

int main(int argc, char **argv)
{
	CHECK_BEGIN(argc, argv);
	RUN(empty_list);
	RUN(push_back_and_front_order);
	RUN(remove_middle_and_ends);
	RUN(pop_front_drains_in_order);
	RUN(for_each_safe_allows_removal);
	RUN(container_of_recovers_outer);
	return CHECK_END();
}
