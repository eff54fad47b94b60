"""Chinese words that name no pain point, for the keywords of a cluster (models/keywords.py).

Tokens are jieba's (precise mode). A single character is dropped unless SINGLE_KEEP names it;
a negation is joined to the word after it first ("不" + "好吃" -> "不好吃"), so 不 and 没 can be
stop words and still count inside a compound.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Function words, particles, pronouns, conjunctions, adverbs, generic verbs and nouns, fillers,
# the words of every review ("差评") and verb + measure word ("打个"). Single characters are
# listed where they also join a degree word or a negation below; the rest fall to the
# single-character rule.
STOP_WORDS = _words(
    """
    的 地 得 了 着 过 吧 呢 啊 吗 嘛 呀 哦 噢 喔 嗯 哈 啦 咯 哎 唉 诶 么 之 而 与 及 或 等
    是 有 在 说 要 想 会 能 让 给 把 被 叫 用 做 去 来 到 看 点 就 也 都 还 又 再 才 很 太
    挺 蛮 好 最 更 越 真 超 巨 特 极 不 没 别 一 个 这 那 哪 谁 啥 咋 我 你 他 她 它 您 俺 咱
    我们 你们 他们 她们 它们 咱们 自己 人家 大家 别人 本人 我家 你家 他家 这家 那家 这边 那边
    这个 那个 这些 那些 这里 那里 这儿 那儿 这样 那样 这么 那么 这种 那种 这次 那次 这是 那是
    哪里 哪儿 哪个 什么 怎么 怎样 怎么样 为什么 为啥 如何 多少 是不是 有没有 能不能 要不要
    和 跟 同 并 并且 而且 或者 还是 但是 可是 不过 然而 因为 所以 因此 然后 于是 如果 要是
    假如 虽然 即使 就算 只是 只要 只有 既然 否则 不然 其实 而是 就是 也是 都是 又是 才是 还有
    以及 另外 其他 其它 别的 一样 一起 一直 一定 已经 曾经 正在 刚刚 马上 立刻 直接 居然 竟然
    果然 终于 总是 总算 到底 究竟 反正 毕竟 非常 特别 比较 有点 有些 一点 一点儿 一些 稍微
    十分 相当 极其 超级 实在 简直 真的 真是 真心 确实 的确 完全 根本 几乎 好像 似乎 估计 可能
    肯定 应该 需要 可以 不能 不会 不要 不是 没有 不用 必须 还要 还是 只能 只好 能够 而已 罢了
    知道 觉得 感觉 认为 发现 希望 表示 看到 看看 出来 起来 下去 过来 过去 回来 一下 一会
    一会儿 一次 两次 多次 每次 几次 一遍 一趟 第一次 第二次 上次 下次 时候 今天 昨天 明天 现在
    以前 以后 之前 之后 后来 最后 开始 当时 平时 每天 东西 事情 问题 地方 方面 情况 样子 东东
    还好 不错 一般般 好评 差评 评价 五星 一星 呵呵 哈哈 嘿嘿 嘻嘻 无语 我要 我点 点的 这份
    那份 不太 打个 来个 点个 要个 买个 给个 放个 换个 说个 问个 做个 有个 越来越 本来 原来 结果 而是 之类 什么样 以上 以下 起码 至少 大概 左右 差不多 其中
    """
)

# One character that says something on its own: tastes and textures, temperature, speed,
# price, quantity, damage, and the food itself.
SINGLE_KEEP = _words(
    """
    慢 快 晚 久 贵 凉 冷 热 烫 咸 淡 辣 甜 酸 苦 油 腻 臭 馊 腥 硬 软 生 糊 焦 烂 坏 脏 吵
    差 少 小 洒 撒 漏 错 退 催 饿 假 骗 坑
    饭 菜 肉 汤 粥 面 饼 鸡 鱼 虾 蛋 米 茶 奶 酒 粉 钱 量 味
    """
)

# A negation joins the word after it when that word is not a stop word: 不 + 新鲜 -> 不新鲜.
NEGATIONS = _words("不 没 没有 不太 不够 不要 别 未")

# A degree word before a kept single character goes: 太慢 -> 慢, so 送餐 + 太慢 -> 送餐慢.
DEGREE_WORDS = _words("太 很 好 挺 超 真 蛮 巨 特 极 贼 忒 非常 特别 比较 有点 有些 超级 太过")

# Characters of a numeral or a count ("一个多", "两个", "半个"): not a keyword alone, but the
# first half of one ("一个多" + "小时" -> "一个多小时").
NUMERAL_CHARACTERS = frozenset("零一二两三四五六七八九十百千万几半多个余")

# Words jieba splits that reviews of deliveries use ("送餐员" -> "送" + "餐员").
EXTRA_WORDS = ("送餐员", "外卖员", "配送员", "快递员", "送货员", "骑手")
