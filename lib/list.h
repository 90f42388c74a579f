/* An intrusive, circular, doubly linked list: embed a struct list in each element. */
#ifndef LIB_LIST_H
#define LIB_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* A list head, or a link embedded in an element. An unlinked link points
 * to itself, so removing it twice is harmless. */
struct list {
	struct list *next, *prev;
};

#ifndef container_of
/* The structure of the given type that holds the member at ptr. */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

/* The element of the given type whose struct list member is at node. */
#define list_entry(node, type, member) container_of(node, type, member)

/* Visits every node after head; the body must not remove pos. */
#define list_for_each(pos, head) \
	for ((pos) = (head)->next; (pos) != (head); (pos) = (pos)->next)

/* Visits every node after head; the body may remove pos (tmp holds the
 * next node). */
#define list_for_each_safe(pos, tmp, head)                      \
	for ((pos) = (head)->next, (tmp) = (pos)->next; (pos) != (head); \
	     (pos) = (tmp), (tmp) = (pos)->next)

/* Makes l an empty list, or an unlinked link. */
static inline void list_init(struct list *l)
{
	l->next = l;
	l->prev = l;
}

/* Returns true if the list at head has no elements. */
static inline bool list_empty(const struct list *head)
{
	return head->next == head;
}

/* Links node between prev and next, which are adjacent. */
static inline void list_insert_between(struct list *node, struct list *prev,
				       struct list *next)
{
	node->prev = prev;
	node->next = next;
	prev->next = node;
	next->prev = node;
}

/* Appends node, which must be unlinked, at the tail of head. */
static inline void list_push_back(struct list *head, struct list *node)
{
	list_insert_between(node, head->prev, head);
}

/* Prepends node, which must be unlinked, at the front of head. */
static inline void list_push_front(struct list *head, struct list *node)
{
	list_insert_between(node, head, head->next);
}

/* Unlinks node from whatever list holds it and leaves it unlinked. */
static inline void list_remove(struct list *node)
{
	node->prev->next = node->next;
	node->next->prev = node->prev;
	list_init(node);
}

/* Unlinks and returns the first node of head, or NULL if it is empty. */
static inline struct list *list_pop_front(struct list *head)
{
	struct list *node = head->next;

	if (node == head)
		return NULL;
	list_remove(node);
	return node;
}

#endif
