/*  vieworder.c — the order of a job's views on an agent (see fsd/vieworder.h). */
#include "fsd/vieworder.h"

view_verdict view_judge(uint64_t held, uint64_t gone, uint64_t incoming, bool sequenced)
{
    if (incoming == 0) /* a server that does not count: only the stream's order is known */
        return sequenced || gone == 0 ? VIEW_TAKE : VIEW_GONE;
    if (held != 0 && incoming < held)
        return VIEW_OLDER;
    if (gone != 0 && incoming <= gone)
        return VIEW_GONE;
    return VIEW_TAKE;
}
