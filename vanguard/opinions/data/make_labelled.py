"""Writes labelled.csv: synthetic Chinese opinions with their true topic (group) and responsible department.

No public corpus of labelled Chinese complaints is reachable from where this project is built, so the
set is written for the purpose: each topic has several hand-written phrasings of its core complaint and
a few topic-specific details; a row composes an opening, a place, one phrasing, maybe a detail, time or
number and a closing, then perhaps a colloquial variant or a typo; some rows are exact or lightly edited
copies of others (the same person or a petition), and about 27% are converted to Traditional script.

    .venv/bin/python vanguard/opinions/data/make_labelled.py [--rows 2400] [--seed 18] [--out PATH]

Deterministic for a given seed. See README.md here for what this set can and cannot show.
"""

# ruff: noqa: E501 (tables of Chinese words: ruff counts each as two columns)

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

# department -> topic -> (phrasings of the core complaint, details that may follow)
# Each line: "topic | phrasing ; phrasing ; ... || detail ; detail ; ..."
TOPICS = {
    "公安户籍": """
        户口迁移 | 户口迁移手续太繁琐，跑了好几趟都没办下来 ; 办理户口迁入要开一堆证明 ; 孩子落户口被要求提供各种材料，来回折腾 ; 户籍迁移审批时间太长 || 派出所让回老家开证明 ; 窗口说材料不全但没一次性告知 ; 网上预约了到现场还要重新排队
        身份证补办 | 补办身份证要等一个多月 ; 身份证丢了补办太慢 ; 办二代身份证拍照还要另外收费 ; 临时身份证办理不方便 || 急着用身份证买票 ; 派出所只在工作日上午办理 ; 异地补领身份证被推来推去
        夜间噪音扰民 | 楼下烧烤摊半夜喧哗，报警也没人管 ; 晚上十二点后还有人唱歌喝酒吵闹 ; 深夜有人在小区里大声喧哗 ; 附近KTV夜里噪音太大睡不着 || 打了110说会来但没人来 ; 老人孩子都睡不好 ; 连续一个月都是这样
        电动车被盗 | 电动车在楼下被偷了 ; 小区里电瓶车经常丢失 ; 停在车棚的电动自行车被盗 ; 电瓶被人偷走 || 报案后一直没有消息 ; 监控是坏的 ; 这个月已经丢了好几辆
        电信诈骗 | 老人接到诈骗电话被骗了钱 ; 冒充客服的诈骗电话太多 ; 被网络刷单骗了好几千 ; 有人冒充公检法打电话骗钱 || 报案后追不回来 ; 希望多宣传防骗知识 ; 骗子还加了微信
    """,
    "交通": """
        公交班次少 | 公交车班次太少，等一趟要半个多小时 ; 早高峰公交挤不上去 ; 公交车末班车太早 ; 这条线路公交间隔太长 || 上班经常迟到 ; 站台连个遮雨棚都没有 ; 希望增加班次或者开通新线路
        路口红绿灯 | 路口红绿灯时间设置不合理 ; 这个十字路口没有红绿灯很危险 ; 红绿灯坏了好几天没人修 ; 行人过马路绿灯时间太短 || 老人走不过去 ; 差点出事故 ; 高峰期车辆乱成一团
        违章停车 | 人行道上停满了车，行人只能走机动车道 ; 路边乱停车堵住了消防通道 ; 小区门口违停严重 ; 车辆随意停在公交站台 || 拍照举报了也没人来贴罚单 ; 救护车都进不来 ; 每天早上都堵
        道路坑洼 | 路面坑坑洼洼，下雨全是积水 ; 马路上有个大坑很久没补 ; 道路破损严重，车开过去颠得厉害 ; 路面塌陷了一块 || 电动车骑过去摔倒了 ; 晚上看不见很危险 ; 已经修了又坏
        出租车拒载 | 出租车拒载挑客 ; 出租车司机不打表乱要价 ; 网约车司机绕路多收钱 ; 出租车在火车站不排队拉客 || 投诉电话打不通 ; 外地游客很反感 ; 司机态度还很差
    """,
    "城管": """
        占道经营 | 菜市场外面占道经营，路都堵死了 ; 小商贩在人行道上摆摊 ; 早市摊贩占用马路 ; 流动摊贩堵在学校门口 || 早上上班根本过不去 ; 垃圾扔得到处都是 ; 城管来了就跑走了又回来
        违章搭建 | 楼顶有人私自搭建违章建筑 ; 邻居在院子里乱搭乱建 ; 一楼住户私自扩建占用公共绿地 ; 违建拆了又盖起来 || 影响采光 ; 存在安全隐患 ; 举报好几次了没有结果
        垃圾清运 | 垃圾桶满了好几天没人清运 ; 路边垃圾堆成山，臭气熏天 ; 垃圾站味道太大 ; 建筑垃圾随意倾倒 || 夏天苍蝇蚊子特别多 ; 老鼠都出来了 ; 影响周边居民生活
        油烟扰民 | 楼下饭店油烟直排到居民楼 ; 烧烤店油烟太大，家里不敢开窗 ; 餐馆排烟管道对着我家窗户 ; 饭馆油烟熏得墙都黑了 || 衣服都晒不了 ; 老人有呼吸道疾病 ; 店主说有执照不管
        广告乱贴 | 小区楼道里到处贴满小广告 ; 电线杆上乱贴办证广告 ; 墙上喷涂的广告电话清理不掉 ; 有人在车上塞小卡片 || 刚刷的墙又被贴了 ; 影响市容 ; 清理了第二天又有
    """,
    "住建物业": """
        物业费 | 物业费年年涨，服务却越来越差 ; 物业乱收费，收费标准不公开 ; 物业收了钱不干事 ; 停车费和物业费捆绑收取 || 业主委员会没人管 ; 问物业要账目不给 ; 不交就停水停电威胁
        电梯故障 | 小区电梯经常坏，老人上下楼困难 ; 电梯困人好几次了 ; 电梯维修拖了一个月 ; 电梯运行时异响很吓人 || 住在十几楼爬不上去 ; 物业说没钱修 ; 维修资金申请太难
        房屋漏水 | 新房子交房不久就漏水 ; 楼顶防水坏了，家里天花板渗水 ; 外墙渗水，墙皮都脱落了 ; 楼上漏水到我家 || 开发商一直推脱 ; 物业说不归他们管 ; 雨季特别严重
        房产证办理 | 买房好几年了房产证还办不下来 ; 开发商拖延办理不动产证 ; 交了契税还拿不到房本 ; 回迁房一直办不了产权证 || 孩子上学要用房产证 ; 开发商说手续不全 ; 几百户业主都没办
        老旧小区改造 | 老旧小区改造施工拖拖拉拉 ; 小区改造工程质量差 ; 老小区什么时候能加装电梯 ; 改造后的路面又坏了 || 施工围挡一年多了 ; 居民意见没人听 ; 新铺的管道又漏了
    """,
    "教育": """
        入学难 | 孩子上小学划片不合理，离家很远 ; 外来务工人员子女入学难 ; 幼儿园名额太少抢不到 ; 公办幼儿园报不上名 || 要求的证明材料太多 ; 私立幼儿园太贵 ; 每天接送要一个多小时
        课外负担 | 学校作业太多，孩子写到十一点 ; 老师在群里布置作业让家长批改 ; 学校变相补课收费 ; 双减以后作业还是很多 || 孩子睡眠不足 ; 家长压力很大 ; 周末也要到校
        校车安全 | 接送孩子的校车超载 ; 校车司机开车太快 ; 学校周边黑校车很多 ; 校车没有跟车老师 || 孩子的安全没有保障 ; 车辆很旧 ; 希望加强监管
        学校食堂 | 学校食堂饭菜质量差，孩子吃不饱 ; 食堂饭菜价格贵分量少 ; 学校强制订餐 ; 食堂卫生条件差 || 孩子吃了拉肚子 ; 家长不能参与监督 ; 饭菜经常是凉的
        教师乱收费 | 老师推销教辅资料 ; 班主任让家长给班费 ; 学校强制购买校服价格高 ; 老师暗示家长送礼 || 不买就被区别对待 ; 收费没有收据 ; 家长不敢得罪老师
    """,
    "卫健医保": """
        看病排队 | 医院挂号排队要等两三个小时 ; 社区医院看病排队时间太长 ; 专家号根本挂不上 ; 医院检查要排好几天 || 老人不会网上预约 ; 号贩子倒卖专家号 ; 排了半天队医生看两分钟
        医保报销 | 医保报销比例太低 ; 异地就医医保报销手续麻烦 ; 医保卡在药店不能用 ; 门诊费用不能报销 || 材料要交好几次 ; 报销款迟迟不到账 ; 政策不清楚没人解释
        医疗服务态度 | 医生护士态度冷淡 ; 医院收费不透明乱开检查 ; 医生开大处方 ; 急诊科医生不耐烦 || 问个问题就被骂 ; 一个感冒花了几百块 ; 药价比外面贵很多
        疫苗接种 | 孩子打疫苗预约不上 ; 社区接种点人太多 ; 九价疫苗一直约不到 ; 疫苗接种点开放时间太短 || 只在工作日开放 ; 排队要大半天 ; 电话一直打不进去
        药店售药 | 药店卖假药 ; 药店处方药不用处方随便卖 ; 药店价格虚高 ; 药店过期药还在卖 || 吃了没效果 ; 店员推销保健品 ; 买药不给发票
    """,
    "人社社保": """
        拖欠工资 | 工地老板拖欠农民工工资 ; 公司拖欠工资半年了 ; 包工头跑路工钱要不回来 ; 单位欠薪不发 || 快过年了还没发 ; 去劳动监察大队也没用 ; 几十个工人都被欠薪
        社保缴纳 | 公司不给员工交社保 ; 单位按最低标准交社保 ; 社保断缴了影响买房 ; 灵活就业社保缴费太贵 || 公司说试用期不交 ; 员工不敢说 ; 离职后才发现没交
        养老金 | 退休养老金太低不够生活 ; 养老金认证太麻烦 ; 退休手续办了好几个月 ; 养老金发放推迟 || 老人不会用手机认证 ; 要跑好几个部门 ; 工龄计算有问题
        就业招聘 | 招聘会岗位少，找工作难 ; 招聘信息虚假 ; 黑中介收费不介绍工作 ; 大学生就业补贴申请不下来 || 交了押金不退 ; 培训费白交了 ; 政策宣传不够
        劳动合同 | 公司不签劳动合同 ; 单位随意辞退员工不给补偿 ; 公司强制加班不给加班费 ; 被迫签自愿放弃社保协议 || 仲裁时间太长 ; 员工维权难 ; 工伤也不认
    """,
    "民政": """
        低保 | 低保审核不公平，有车有房的也吃低保 ; 申请低保手续复杂 ; 低保名额被村干部亲戚占了 ; 低保金发放不及时 || 真正困难的申请不上 ; 公示不透明 ; 等了半年也没批
        养老院 | 公办养老院一床难求 ; 养老院收费太高 ; 养老院护工虐待老人 ; 社区养老服务中心形同虚设 || 排队要等好几年 ; 老人身上有伤 ; 一年到头不开门
        残疾人补贴 | 残疾人补贴一直没发 ; 残疾证办理程序复杂 ; 残疾人护理补贴标准太低 ; 盲道被占用残疾人出行难 || 要残疾人本人到场 ; 跑了好几趟 ; 补贴被克扣
        婚姻登记 | 结婚登记预约不上 ; 婚姻登记处排队太长 ; 离婚冷静期预约难 ; 补办结婚证要回户籍地 || 好日子根本约不到 ; 工作人员态度差 ; 外地人办理不方便
        殡葬服务 | 殡仪馆收费太贵 ; 墓地价格高得离谱 ; 殡葬服务强制消费 ; 公益性公墓太少 || 骨灰盒卖好几万 ; 不买套餐不给办 ; 老百姓负担不起
    """,
    "市场监管": """
        食品安全 | 小饭馆卫生条件太差 ; 超市卖过期食品 ; 外卖商家没有营业执照 ; 餐馆使用地沟油 || 吃了以后拉肚子 ; 后厨脏乱差 ; 老鼠在厨房乱跑
        价格欺诈 | 商家先涨价后打折 ; 景区商店价格欺诈 ; 超市标价和结账价格不一样 ; 停车场乱收费 || 收银员说系统问题 ; 游客被宰 ; 没有明码标价
        预付卡跑路 | 健身房办卡后老板跑路 ; 理发店预付卡退不了钱 ; 培训机构收了学费关门了 ; 美容院充值卡不能用了 || 卡里还有好几千 ; 几百个会员受害 ; 找不到负责人
        假冒伪劣 | 网购买到假货商家不退 ; 商场卖假冒名牌 ; 电动车充电器质量差起火 ; 装修材料以次充好 || 平台不管 ; 鉴定要自己出钱 ; 差点发生火灾
        电梯特种设备 | 商场扶梯没有年检 ; 游乐设施存在安全隐患 ; 商场电梯检验标志过期 ; 燃气钢瓶没有检测 || 孩子差点受伤 ; 设备老化 ; 没人检查
    """,
    "环保": """
        工厂排污 | 工厂偷偷往河里排污水 ; 化工厂晚上排放废气，味道刺鼻 ; 河水发黑发臭 ; 企业偷排废水 || 鱼都死了 ; 晚上十点以后特别明显 ; 附近居民头晕恶心
        工地扬尘 | 工地扬尘太大，到处都是灰 ; 渣土车不盖篷布沿路撒土 ; 拆迁工地不洒水 ; 搅拌站粉尘污染 || 窗户不敢开 ; 车上全是灰 ; 孩子咳嗽
        施工噪音 | 工地夜间施工噪音扰民 ; 凌晨两点还在打桩 ; 周末一大早就开始施工 ; 高考期间工地还施工 || 睡不着觉 ; 有夜间施工许可证吗 ; 打电话投诉没人理
        垃圾焚烧 | 有人露天焚烧垃圾 ; 村里焚烧秸秆烟太大 ; 垃圾焚烧厂有异味 ; 废品站烧电线 || 黑烟滚滚 ; 空气质量很差 ; 每天傍晚都烧
        河道污染 | 小区旁边的河道长满水草发臭 ; 河里漂满垃圾 ; 湖水富营养化 ; 排水沟污水横流 || 蚊虫滋生 ; 夏天臭得受不了 ; 治理了好几年没效果
    """,
    "水电气": """
        停水 | 小区经常停水不提前通知 ; 自来水水压太低，楼上没水 ; 水管爆裂停水一整天 ; 高峰期家里没水用 || 做饭洗澡都没水 ; 打客服电话没人接 ; 一周停了三次
        水质 | 自来水发黄有异味 ; 水龙头流出来的水浑浊 ; 二次供水水箱不清洗 ; 水里有沉淀物 || 不敢喝 ; 烧开后有水垢 ; 孩子喝了肚子疼
        停电 | 小区频繁停电 ; 夏天用电高峰跳闸停电 ; 停电不提前通知 ; 电压不稳电器烧坏了 || 冰箱里东西都坏了 ; 老人热得受不了 ; 供电所说在抢修
        燃气 | 燃气费涨价太多 ; 燃气管道老化有泄漏风险 ; 燃气公司上门安检乱收费 ; 天然气开户费太高 || 闻到煤气味 ; 强制更换报警器 ; 收费没有依据
        暖气 | 冬天暖气不热，家里只有十几度 ; 供暖温度不达标 ; 没用暖气也要交取暖费 ; 暖气管道漏水 || 老人孩子冻感冒了 ; 热力公司推脱 ; 测温了也不解决
    """,
    "街道社区": """
        社区活动场所 | 社区没有老人活动的地方 ; 小区健身器材坏了没人修 ; 社区活动室常年锁门 ; 小区里没有儿童游乐设施 || 老人只能在路边坐着 ; 孩子没地方玩 ; 器材生锈很危险
        小区停车 | 小区停车位太少，每天抢车位 ; 小区车位只卖不租 ; 外来车辆占用小区车位 ; 充电桩太少 || 晚上回来没地方停 ; 车位价格太高 ; 物业不管理
        邻里纠纷 | 邻居在楼道堆放杂物 ; 楼上养狗整天叫 ; 邻居占用公共楼道 ; 楼上装修噪音太大 || 影响消防安全 ; 协商没有结果 ; 社区调解没有用
        社区服务态度 | 社区工作人员态度差 ; 社区开证明推三阻四 ; 居委会办事找不到人 ; 社区干部不作为 || 去了三次都没人 ; 让找别的部门 ; 说话很难听
        宠物管理 | 小区里遛狗不牵绳 ; 狗粪随处可见 ; 流浪猫狗太多 ; 大型犬吓到孩子 || 孩子被狗咬了 ; 主人不清理 ; 晚上叫个不停
    """,
    "政务服务窗口": """
        窗口排队 | 政务服务中心排队时间太长 ; 办事窗口开得太少 ; 窗口工作人员中途离岗 ; 取号后等了一上午 || 只开了两个窗口 ; 工作人员在玩手机 ; 中午休息两个小时
        一次性告知 | 办事要跑好几趟，材料没有一次性告知 ; 每次去都说缺材料 ; 办事指南和窗口要求不一样 ; 网上说的材料和现场不一致 || 请假跑了三次 ; 电话咨询说不清楚 ; 不同工作人员说法不一样
        网上办事 | 网上办事系统经常登不上去 ; 政务APP太难用 ; 网上申请了还要去现场 ; 电子证照不被认可 || 提交后没有反馈 ; 老年人不会用 ; 验证码收不到
        营业执照办理 | 办营业执照太慢 ; 企业注册审批时间长 ; 个体户执照变更手续繁琐 ; 注销公司太难 || 等了一个月 ; 材料被退回好几次 ; 要求找中介代办
        证明事项 | 办事要开各种奇葩证明 ; 要求证明我妈是我妈 ; 无犯罪记录证明开具难 ; 单位和社区互相推着开证明 || 跑断腿 ; 不知道找谁开 ; 明明可以网上查到
    """,
    "税务": """
        个税退税 | 个税退税一直没有到账 ; 个税汇算退税被驳回 ; 个税APP专项扣除填报复杂 ; 公司多扣了个人所得税 || 不知道原因 ; 打12366打不通 ; 审核了两个月
        发票问题 | 商家不开发票 ; 饭店说开发票要加钱 ; 商家开假发票 ; 电子发票开不出来 || 说没有发票了 ; 要加收税点 ; 报销不了
        企业税务 | 小微企业税收优惠享受不到 ; 税务检查太频繁 ; 企业退税办理慢 ; 税务窗口办事效率低 || 政策解释不清 ; 材料反复提交 ; 等了很久
        社保费征收 | 社保费由税务征收后缴费不方便 ; 灵活就业人员缴社保找不到地方 ; 城乡居民医保缴费系统卡顿 ; 缴费后查不到记录 || 老人不会手机缴费 ; 缴费截止日前系统崩了 ; 被算成断缴
        房产交易税 | 二手房交易税费太高 ; 房屋过户契税计算有问题 ; 卖房个税核定不合理 ; 房产交易纳税排队时间长 || 不同窗口说法不一样 ; 评估价比成交价高很多 ; 多交了钱退不回来
    """,
}

PLACES = [
    "幸福路",
    "建设大街",
    "人民路",
    "解放路",
    "和平里小区",
    "阳光花园",
    "锦绣家园",
    "东湖街道",
    "西城区",
    "南苑社区",
    "北关村",
    "滨江新村",
    "翠苑小区",
    "中山路",
    "光明小区",
    "新华街",
    "青年路",
    "城南开发区",
    "长安街道",
    "金桥小区",
    "桂花园",
    "望江路口",
    "火车站附近",
    "第三中学附近",
    "人民医院对面",
    "五里桥",
    "高新区",
    "老城区",
    "朝阳社区",
    "育才路",
]
OPENINGS = [
    "",
    "",
    "",
    "您好，",
    "领导好，",
    "我要反映一个问题：",
    "我是{place}的居民，",
    "反映一下，",
    "投诉：",
    "我想咨询一下，",
    "再次反映，",
    "请相关部门管一管，",
    "市民来电反映：",
    "群众反映，",
    "作为一名老党员，我反映：",
    "我住在{place}，",
]
TIMES = ["最近", "这段时间", "好几个月了", "从去年开始", "上个星期", "每天晚上", "这两年", "三月份以来", "昨天", "一直"]
CLOSINGS = [
    "",
    "",
    "",
    "。",
    "！",
    "，希望尽快解决。",
    "，请相关部门重视。",
    "，希望有人管管。",
    "，谢谢！",
    "，盼回复。",
    "，这个问题拖了太久了。",
    "，老百姓意见很大。",
    "!!!",
    "，请领导关注一下。",
    "。急！",
]
# Colloquial and written variants people mix freely.
VARIANTS = [
    ("太", "忒"),
    ("没有", "没"),
    ("什么", "啥"),
    ("这样", "这么"),
    ("很", "挺"),
    ("希望", "盼望"),
    ("非常", "特别"),
]
# Common typing mistakes (homophones picked from a pinyin input method).
TYPOS = [("的", "地"), ("在", "再"), ("已经", "以经"), ("反映", "反应"), ("做", "作"), ("账", "帐"), ("那", "哪")]


def parse_topics() -> list[tuple[str, str, list[str], list[str]]]:
    """(department, topic, phrasings, details) for every topic."""
    topics = []
    for department, block in TOPICS.items():
        for line in block.strip().splitlines():
            name, rest = line.split("|", 1)
            phrasings, details = rest.split("||")
            topics.append(
                (
                    department,
                    name.strip(),
                    [p.strip() for p in phrasings.split(";") if p.strip()],
                    [d.strip() for d in details.split(";") if d.strip()],
                )
            )
    return topics


def compose(rng: random.Random, phrasings: list[str], details: list[str]) -> str:
    place = rng.choice(PLACES)
    opening = rng.choice(OPENINGS).format(place=place)
    core = rng.choice(phrasings)
    parts = [opening]
    if rng.random() < 0.5 and "{place}" not in opening and place not in opening:
        parts.append(f"{place}{rng.choice(['', '这边', '一带', '附近'])}")
    if rng.random() < 0.4:
        parts.append(rng.choice(TIMES))
    parts.append(core)
    if rng.random() < 0.6:
        parts.append("，" + rng.choice(details))
    if rng.random() < 0.2:
        parts.append(f"，已经{rng.randint(2, 30)}{rng.choice(['天', '次', '个月', '周'])}了")
    text = "".join(parts) + rng.choice(CLOSINGS)
    if rng.random() < 0.3:
        old, new = rng.choice(VARIANTS)
        text = text.replace(old, new, 1)
    if rng.random() < 0.1:
        old, new = rng.choice(TYPOS)
        text = text.replace(old, new, 1)
    return text


def lightly_edit(rng: random.Random, text: str) -> str:
    """A near copy: punctuation, a space, a word added or a closing changed."""
    choice = rng.randrange(4)
    if choice == 0:
        return text.replace("，", ",").replace("。", ".")
    if choice == 1:
        return text.rstrip("。！!，") + rng.choice(["！", "。", "!!", "，谢谢"])
    if choice == 2:
        return rng.choice(["再次", "还是", "又"]) + "反映：" + text
    return text.replace("，", " ， ", 1)


def generate(rows: int, seed: int) -> list[dict]:
    from vanguard.core.chinese import to_traditional

    rng = random.Random(seed)
    topics = parse_topics()
    # Topics are not equally common (a Zipf-like tail): some are raised far more often than others.
    order = list(range(len(topics)))
    rng.shuffle(order)
    weights = [0.0] * len(topics)
    for rank, index in enumerate(order):
        weights[index] = 1 / (rank + 1) ** 0.6
    out: list[dict] = []
    while len(out) < rows:
        if out and rng.random() < 0.12:  # a copy of an earlier opinion: exact or lightly edited
            source = rng.choice(out)
            text = source["text"] if rng.random() < 0.4 else lightly_edit(rng, source["text"])
            out.append({**source, "text": text})
            continue
        department, topic, phrasings, details = rng.choices(topics, weights=weights)[0]
        text = compose(rng, phrasings, details)
        script = "traditional" if rng.random() < 0.27 else "simplified"
        if script == "traditional":
            text = to_traditional(text)
        out.append({"text": text, "script": script, "group": topic, "department": department})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2400)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("labelled.csv"))
    args = parser.parse_args(argv)
    rows = generate(args.rows, args.seed)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "script", "group", "department"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows, {len({r['group'] for r in rows})} groups -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    main()
